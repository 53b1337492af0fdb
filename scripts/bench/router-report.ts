/** The router benchmark's measurements (one wrk run against one proxy) and their printed rows. */
import type { RouterPresence } from '@gantry/live';
import { perfRecord } from './router-perf';
import { cpuSeconds, type Child } from './router-servers';
import { wrk, type Load, type WrkResult } from './router-wrk';

export interface Measured extends WrkResult {
  /** CPU seconds the proxy process (nginx: its worker) used during the run. */
  proxyCpu: number;
  /** CPU seconds the backend used during the run. */
  backendCpu: number;
  /** CPU seconds Redis used during the run (the router's request lines and counters). */
  redisCpu: number;
  /** The Gantry router's event-loop delay over its last presence report (the round's last 2 s). */
  eventLoop?: RouterPresence['eventLoop'];
}

export interface Probes {
  redisCpuSeconds(): Promise<number>;
  routerEventLoop(pid: number): Promise<RouterPresence['eventLoop']>;
}

export async function measure(probes: Probes, target: Child, backend: Child, load: Load, durationS: number, perfFile?: string): Promise<Measured> {
  const pid = target.workerPid();
  const bpid = backend.workerPid();
  const [c0, b0, r0] = [cpuSeconds(pid), cpuSeconds(bpid), await probes.redisCpuSeconds()];
  const recording = perfFile === undefined ? undefined : perfRecord(pid, perfFile, Math.max(1, durationS - 1));
  const r = await wrk(target.port, load, durationS);
  await recording;
  const eventLoop = target.name === 'gantry' ? await probes.routerEventLoop(pid) : undefined;
  return { ...r, proxyCpu: cpuSeconds(pid) - c0, backendCpu: cpuSeconds(bpid) - b0, redisCpu: (await probes.redisCpuSeconds()) - r0, eventLoop };
}

export const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
const errorsOf = (r: WrkResult) => r.socketErrors + r.non2xx;

function row(name: string, r: Measured, durationS: number): string {
  const perReq = (s: number) => (r.requests > 0 ? (s * 1e6) / r.requests : NaN);
  return (
    `  ${name.padEnd(8).slice(0, 8)} ${fmt(r.rps).padStart(9)} ${fmt(r.p50, 2).padStart(8)} ${fmt(r.p99, 2).padStart(8)} ${fmt(r.maxMs, 1).padStart(8)}` +
    ` ${String(errorsOf(r)).padStart(7)} ${fmt((100 * r.proxyCpu) / durationS).padStart(6)}% ${fmt(perReq(r.proxyCpu), 1).padStart(8)}` +
    ` ${fmt(perReq(r.backendCpu), 1).padStart(10)} ${fmt(perReq(r.redisCpu), 1).padStart(12)}`
  );
}

export interface Ratios {
  throughput: number;
  p99: number;
  errors: number;
}

/** `other`: the router at another revision (--compare), printed with its ratios; the goals are the current one's. */
export function report(title: string, load: Load, nginx: Measured, gantry: Measured, other?: { name: string; m: Measured }): Ratios {
  const throughput = gantry.rps / nginx.rps;
  const p99 = gantry.p99 / nginx.p99;
  const errors = errorsOf(nginx) + errorsOf(gantry);
  console.log(`\n${title}: wrk -t${load.threads} -c${load.connections} -d${load.durationS}s, Host: ${load.host}`);
  console.log('  proxy        req/s  p50 ms   p99 ms   max ms  errors    cpu  cpu us/req  backend us/req  redis us/req');
  console.log(row('nginx', nginx, load.durationS));
  console.log(row('gantry', gantry, load.durationS));
  if (other) console.log(row(other.name, other.m, load.durationS));
  if (gantry.eventLoop) {
    const l = gantry.eventLoop;
    console.log(`  gantry event loop delay (last 2 s): p50 ${fmt(l.p50Ms, 2)} ms, p99 ${fmt(l.p99Ms, 2)} ms, max ${fmt(l.maxMs, 2)} ms`);
  }
  console.log(`  gantry/nginx: throughput ${throughput.toFixed(2)}, p99 ${p99.toFixed(2)}x`);
  if (other) console.log(`  ${other.name}/nginx: throughput ${(other.m.rps / nginx.rps).toFixed(2)}, p99 ${(other.m.p99 / nginx.p99).toFixed(2)}x`);
  for (const [name, r] of [['nginx', nginx], ['gantry', gantry], ...(other ? [[other.name, other.m] as const] : [])] as const) {
    if (errorsOf(r) > 0) console.log(`  ${name} errors: ${r.socketErrorDetail}; responses >= 400: ${r.non2xx}`);
  }
  return { throughput, p99, errors };
}

export const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
