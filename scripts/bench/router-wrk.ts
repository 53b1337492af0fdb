/** Runs wrk and reads its report (requests/s, latency percentiles, errors). */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Load {
  threads: number;
  connections: number;
  durationS: number;
  host: string;
}

export interface WrkResult {
  requests: number;
  rps: number;
  /** Latency percentiles in ms. */
  p50: number;
  p90: number;
  p99: number;
  maxMs: number;
  /** Socket errors: connect + read + write + timeout. */
  socketErrors: number;
  socketErrorDetail: string;
  /** Responses with a status >= 400 (wrk's "Non-2xx or 3xx responses"). */
  non2xx: number;
  raw: string;
}

export async function wrk(port: number, load: Load, durationS = load.durationS): Promise<WrkResult> {
  const args = [
    `-t${load.threads}`,
    `-c${load.connections}`,
    `-d${durationS}s`,
    '--latency',
    '--timeout',
    '5s',
    '-H',
    `Host: ${load.host}`,
    `http://127.0.0.1:${port}/`,
  ];
  const { stdout } = await run('wrk', args, { maxBuffer: 1024 * 1024 });
  return parseWrk(stdout);
}

/** "1.23ms" / "812.00us" / "1.01s" -> ms */
export function toMs(value: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(value.trim());
  if (!m) throw new Error(`unreadable wrk latency: ${value}`);
  const n = Number(m[1]);
  return m[2] === 'us' ? n / 1000 : m[2] === 'ms' ? n : m[2] === 's' ? n * 1000 : n * 60_000;
}

export function parseWrk(out: string): WrkResult {
  const pct = (p: string) => {
    const m = new RegExp(`^\\s*${p}%\\s+(\\S+)`, 'm').exec(out);
    if (!m) throw new Error(`wrk output without the ${p}% latency:\n${out}`);
    return toMs(m[1]!);
  };
  const rps = /^Requests\/sec:\s+([\d.]+)/m.exec(out);
  const total = /^\s*(\d+) requests in/m.exec(out);
  const max = /^\s*Latency\s+\S+\s+\S+\s+(\S+)/m.exec(out);
  if (!rps || !total) throw new Error(`unreadable wrk output:\n${out}`);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const socketErrors = sock ? sock.slice(1).reduce((s, n) => s + Number(n), 0) : 0;
  const non = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  return {
    requests: Number(total[1]),
    rps: Number(rps[1]),
    p50: pct('50'),
    p90: pct('90'),
    p99: pct('99'),
    maxMs: max ? toMs(max[1]!) : NaN,
    socketErrors,
    socketErrorDetail: sock ? sock[0] : '',
    non2xx: non ? Number(non[1]) : 0,
    raw: out,
  };
}
