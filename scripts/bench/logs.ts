/**
 * npm run bench:logs: the log pipeline, container stdout -> agent -> Redis stream -> API ->
 * `gantry logs --tail`, on an isolated Gantry (instance "bench").
 *
 *   latency     1,000 lines printed 2 ms apart, each carrying the time it was printed; the time
 *               it reached the terminal of a running `gantry logs --tail` is taken per line.
 *   throughput  100,000 lines printed as fast as the app can; lines/s from the first line printed
 *               to the last one out of `gantry logs --tail`, next to the app's own printing rate.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { REPO_ROOT } from '@gantry/config';
import { startIsolatedGantry } from '@gantry/installer';
import { benchUser, fixtureRepo, git, printRows, remote as remoteOf, runBench } from './common';
import { get, until } from './http';

const LATENCY_LINES = 1000;
const THROUGHPUT_LINES = 100_000;

interface Seen {
  tag: string;
  i: number;
  printedMs: number;
  arrivedMs: number;
}

/** `gantry logs --tail --json`, parsed: every line of the emitter with its print and arrival time. */
function tail(apiUrl: string, token: string, app: string): { proc: ChildProcess; seen: Seen[]; ready: Promise<void> } {
  const proc = spawn(process.execPath, [join(REPO_ROOT, 'apps/cli/bin/gantry.js'), 'logs', '--tail', '--json', '--source', 'app', '-n', '0', '-a', app], {
    env: { ...process.env, GANTRY_API_URL: apiUrl, GANTRY_TOKEN: token, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const seen: Seen[] = [];
  let onReady: () => void;
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  createInterface({ input: proc.stdout! }).on('line', (raw) => {
    const arrivedMs = Date.now(); // the wall clock, as the app's timestamps
    const { line } = JSON.parse(raw) as { line: string };
    const m = /^(\S+) (\d+) (\d+\.\d+)$/.exec(line);
    if (!m) return;
    if (m[1] === 'ready') onReady();
    seen.push({ tag: m[1]!, i: Number(m[2]), printedMs: Number(m[3]) * 1000, arrivedMs });
  });
  return { proc, seen, ready };
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;


async function main(): Promise<void> {
  console.log('Starting an isolated Gantry (instance "bench")...');
  const gantry = await startIsolatedGantry('bench', 20_000);
  const { config } = gantry;
  const work = await mkdtemp(join(tmpdir(), 'gantry-bench-logs-'));
  let tailer: ChildProcess | undefined;
  try {
    const { token, client } = await benchUser(config);
    const app = `bench-logs-${Date.now().toString(36)}`;
    await client.createApp(app);
    const host = `${app}.${config.GANTRY_APPS_DOMAIN}`;
    const repo = await fixtureRepo('log-emitter', join(work, 'app'));
    console.log('Deploying the log emitter...');
    await git(repo, ['push', remoteOf(config, app, token), 'main']);
    const emit = async (query: string) => {
      const r = await get(config.GANTRY_ROUTER_PORT, host, `/emit?${query}`);
      if (r.status !== 200) throw new Error(`emit answered ${r.status}`);
    };

    const t = tail(`http://127.0.0.1:${config.GANTRY_API_PORT}`, token, app);
    tailer = t.proc;
    // The tail is connected once a line printed after it started comes through.
    const readyTimer = setInterval(() => void emit('n=1&tag=ready').catch(() => {}), 500);
    await t.ready;
    clearInterval(readyTimer);

    console.log(`Latency: ${LATENCY_LINES} lines, 2 ms apart...`);
    await emit(`n=${LATENCY_LINES}&every_us=2000&tag=lat`);
    await until('the latency lines', () => t.seen.filter((s) => s.tag === 'lat').length >= LATENCY_LINES, 60_000, 20);
    const lat = t.seen.filter((s) => s.tag === 'lat').map((s) => s.arrivedMs - s.printedMs).sort((a, b) => a - b);

    console.log(`Throughput: ${THROUGHPUT_LINES.toLocaleString('en-US')} lines at full speed...`);
    await emit(`n=${THROUGHPUT_LINES}&tag=tp`);
    await until('the throughput lines', () => t.seen.some((s) => s.tag === 'tp' && s.i === THROUGHPUT_LINES), 120_000, 20).catch((err: Error) => console.log(err.message));
    await new Promise((r) => setTimeout(r, 500));
    const tp = t.seen.filter((s) => s.tag === 'tp');
    const first = tp.reduce((m, s) => Math.min(m, s.printedMs), Infinity);
    const lastPrinted = tp.reduce((m, s) => Math.max(m, s.printedMs), 0);
    const lastArrived = tp.reduce((m, s) => Math.max(m, s.arrivedMs), 0);
    const pipelineRate = tp.length / ((lastArrived - first) / 1000);
    const appRate = tp.length / Math.max(0.001, (lastPrinted - first) / 1000);
    const ordered = tp.every((s, k) => k === 0 || s.i > tp[k - 1]!.i);

    const rows: [string, string][] = [
      [`latency, container stdout -> logs --tail (${lat.length} lines): p50`, `${pct(lat, 50).toFixed(0)} ms`],
      ['latency p99', `${pct(lat, 99).toFixed(0)} ms`],
      ['latency max', `${lat.at(-1)!.toFixed(0)} ms`],
      [`throughput, stdout -> logs --tail (${tp.length.toLocaleString('en-US')} of ${THROUGHPUT_LINES.toLocaleString('en-US')} lines, in order: ${ordered ? 'yes' : 'NO'})`, `${Math.round(pipelineRate).toLocaleString('en-US')} lines/s`],
      ['the app printing them', `${Math.round(appRate).toLocaleString('en-US')} lines/s`],
      ['pipeline / app printing rate', (pipelineRate / appRate).toFixed(2)],
    ];
    printRows('Log pipeline benchmark, this machine, one run', rows);
    const p99 = pct(lat, 99);
    console.log(
      `\ngoals: p99 under 1 s: ${p99.toFixed(0)} ms ${p99 < 1000 ? 'met' : 'NOT met'}; ` +
        `at least 20,000 lines/s: ${Math.round(pipelineRate).toLocaleString('en-US')} ${pipelineRate >= 20_000 ? 'met' : 'NOT met'}; ` +
        `every line delivered: ${tp.length === THROUGHPUT_LINES ? 'yes' : `NO (${THROUGHPUT_LINES - tp.length} missing)`}`,
    );
  } finally {
    tailer?.kill();
    await gantry.stop();
    await rm(work, { recursive: true, force: true });
  }
  process.exit(0);
}

runBench(main);
