/**
 * `perf` profiles of the proxies under load: CPU time (user and kernel) by symbol and by area,
 * which the V8 profiler cannot give (it samples wall time and does not see the kernel). Node's
 * JIT frames are named through `--perf-basic-prof` (the router is started with it).
 */
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Records `pid` for `seconds` into `file` (cpu-clock: works in VMs without a PMU). */
export async function perfRecord(pid: number, file: string, seconds: number): Promise<void> {
  const proc = spawn('perf', ['record', '-e', 'cpu-clock', '-F', '1999', '-g', '-p', String(pid), '-o', file, '--', 'sleep', String(seconds)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  proc.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const [code] = (await once(proc, 'exit')) as [number | null];
  if (code !== 0) console.log(`perf record failed (${code}): ${err.trim().split('\n').slice(-3).join(' | ')}`);
}

interface Entry {
  pct: number;
  name: string;
}

async function report(file: string, sort: string): Promise<Entry[]> {
  const { stdout } = await run('perf', ['report', '-i', file, '--stdio', '--no-children', '-g', 'none', '--sort', sort, '--percent-limit', '0'], {
    maxBuffer: 32 * 1024 * 1024,
  });
  const out: Entry[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^\s+([\d.]+)%\s+(.*)$/.exec(line);
    if (m) out.push({ pct: Number(m[1]), name: m[2]!.trim().replace(/\s+/g, ' ') });
  }
  return out;
}

/** Where a symbol belongs, for the coarse view. */
function area(sym: string): string {
  if (sym.startsWith('[k]')) return 'kernel';
  const s = sym.replace(/^\[\.\]\s*/, '');
  if (/apps\/router\//.test(s)) return 'router code (JS)';
  if (/node:_http|_http_/.test(s)) return 'node http (JS)';
  if (/node:net|stream_base|node:internal\/streams|node:events|node:internal\/timers/.test(s)) return 'node net/streams/events (JS)';
  if (/^(Builtin|Bytecode|Stub|Handler|RegExp|LazyCompile|Function|JS:|~|\*)/.test(s) || /\.m?[jt]s:\d+/.test(s)) return 'other JS / V8 builtins';
  if (/llhttp|http_parser/.test(s)) return 'llhttp (request parser)';
  if (/^(v8::|Builtins_|v8::internal)/.test(s)) return 'V8 runtime';
  if (/uv_|uv__/.test(s)) return 'libuv';
  return 'native other (node, V8, libc)';
}

export async function printPerf(name: string, file: string, top = 22): Promise<void> {
  let bySym: Entry[];
  try {
    bySym = await report(file, 'sym');
  } catch (err) {
    console.log(`\nperf report of ${name} failed: ${String(err).split('\n')[0]}`);
    return;
  }
  const areas = new Map<string, number>();
  for (const e of bySym) areas.set(area(e.name), (areas.get(area(e.name)) ?? 0) + e.pct);
  console.log(`\nperf: ${name}, CPU samples by area`);
  for (const [a, pct] of [...areas].sort((x, y) => y[1] - x[1])) console.log(`  ${pct.toFixed(1).padStart(5)}%  ${a}`);
  console.log(`perf: ${name}, top symbols`);
  for (const e of bySym.slice(0, top)) console.log(`  ${e.pct.toFixed(1).padStart(5)}%  ${e.name.slice(0, 110)}`);
}
