/**
 * Router benchmark, one run: nginx as a reverse proxy and the Gantry router, each in front of the
 * same backend (nginx answering "ok\n" itself), under the same wrk load, measured in turn:
 *
 *   wrk ──▶ nginx proxy (1 worker, upstream keepalive 64) ──▶ backend nginx
 *   wrk ──▶ Gantry router (apps/router/src/main.ts, one process) ──▶ backend nginx
 *
 * Prints requests/s, p50 and p99 latency of both, the ratios, the CPU each proxy used per
 * request, the CPU Redis used per request (the router's request lines), and whether the goals are met (throughput >= 0.5 of nginx, p99 <= 2x nginx, no errors).
 *
 *   node --import tsx scripts/bench/router.ts [--duration 8] [--connections 32] [--threads 1]
 *        [--warmup 3] [--rounds 3] [--profile] [--perf] [--keep] [--log-level info]
 *
 *   --profile  V8 CPU profile of the router (--cpu-prof), summarized. It samples wall time on the
 *              main thread: time the process waits inside a syscall while another process runs
 *              is counted too, so syscalls look bigger than they are.
 *   --perf     `perf record` of both proxies during the first round (CPU time, kernel included,
 *              JS frames named through --perf-basic-prof), summarized by symbol and by area.
 *   ROUTER_NODE_FLAGS="--max-semi-space-size=32"  extra Node flags for the router (experiments).
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '@gantry/config';
import { connectRedis, keysFor, RoutingTable, type RouterPresence } from '@gantry/live';
import { perfRecord, printPerf } from './router-perf';
import { printSummary } from './router-profile';
import { cpuSeconds, get, startBackend, startGantryRouter, startNginxProxy, type Child } from './router-servers';
import { wrk, type Load, type WrkResult } from './router-wrk';

const INSTANCE = 'bench-router';
const HOST = 'bench.localhost';
const GOAL_THROUGHPUT = 0.5;
const GOAL_P99 = 2;

const { values: opt } = parseArgs({
  options: {
    duration: { type: 'string', default: '8' },
    connections: { type: 'string', default: '32' },
    threads: { type: 'string', default: '1' },
    warmup: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '3' },
    profile: { type: 'boolean', default: false },
    perf: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    'log-level': { type: 'string', default: 'info' },
  },
});

const load: Load = { threads: Number(opt.threads), connections: Number(opt.connections), durationS: Number(opt.duration), host: HOST };

interface Measured extends WrkResult {
  /** CPU seconds the proxy process (nginx: its worker) used during the run. */
  proxyCpu: number;
  /** CPU seconds the backend used during the run. */
  backendCpu: number;
  /** CPU seconds Redis used during the run (the router's request lines and counters). */
  redisCpu: number;
  /** The Gantry router's event-loop delay over its last presence report (the round's last 2 s). */
  eventLoop?: RouterPresence['eventLoop'];
}

let redisCpuSeconds: () => Promise<number> = async () => 0;
let routerEventLoop: (pid: number) => Promise<RouterPresence['eventLoop']> = async () => undefined;

async function measure(target: Child, backend: Child, durationS: number, perfFile?: string): Promise<Measured> {
  const pid = target.workerPid();
  const bpid = backend.workerPid();
  const [c0, b0, r0] = [cpuSeconds(pid), cpuSeconds(bpid), await redisCpuSeconds()];
  const recording = perfFile === undefined ? undefined : perfRecord(pid, perfFile, Math.max(1, durationS - 1));
  const r = await wrk(target.port, load, durationS);
  await recording;
  const eventLoop = target.name === 'gantry' ? await routerEventLoop(pid) : undefined;
  return { ...r, proxyCpu: cpuSeconds(pid) - c0, backendCpu: cpuSeconds(bpid) - b0, redisCpu: (await redisCpuSeconds()) - r0, eventLoop };
}

const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
const errorsOf = (r: WrkResult) => r.socketErrors + r.non2xx;

function row(name: string, r: Measured): string {
  const usPerReq = r.requests > 0 ? (r.proxyCpu * 1e6) / r.requests : NaN;
  const redisUsPerReq = r.requests > 0 ? (r.redisCpu * 1e6) / r.requests : NaN;
  return (
    `  ${name.padEnd(8)} ${fmt(r.rps).padStart(9)} ${fmt(r.p50, 2).padStart(8)} ${fmt(r.p99, 2).padStart(8)} ${fmt(r.maxMs, 1).padStart(8)}` +
    ` ${String(errorsOf(r)).padStart(7)} ${fmt((100 * r.proxyCpu) / load.durationS).padStart(6)}% ${fmt(usPerReq, 1).padStart(8)} ${fmt(redisUsPerReq, 1).padStart(12)}`
  );
}

function report(round: number | undefined, nginx: Measured, gantry: Measured): { throughput: number; p99: number; errors: number } {
  const throughput = gantry.rps / nginx.rps;
  const p99 = gantry.p99 / nginx.p99;
  const errors = errorsOf(nginx) + errorsOf(gantry);
  const title = round === undefined ? 'result' : `round ${round}`;
  console.log(`\n${title}: wrk -t${load.threads} -c${load.connections} -d${load.durationS}s, Host: ${HOST}`);
  console.log('  proxy        req/s  p50 ms   p99 ms   max ms  errors    cpu  cpu us/req  redis us/req');
  console.log(row('nginx', nginx));
  console.log(row('gantry', gantry));
  if (gantry.eventLoop) {
    const l = gantry.eventLoop;
    console.log(`  gantry event loop delay (last 2 s): p50 ${fmt(l.p50Ms, 2)} ms, p99 ${fmt(l.p99Ms, 2)} ms, max ${fmt(l.maxMs, 2)} ms`);
  }
  console.log(`  gantry/nginx: throughput ${throughput.toFixed(2)}, p99 ${p99.toFixed(2)}x`);
  for (const [name, r] of [['nginx', nginx], ['gantry', gantry]] as const) {
    if (errorsOf(r) > 0) console.log(`  ${name} errors: ${r.socketErrorDetail}; responses >= 400: ${r.non2xx}`);
  }
  return { throughput, p99, errors };
}

async function verify(name: string, port: number): Promise<void> {
  const r = await get(port, HOST, '/');
  if (r.status !== 200 || r.body !== 'ok\n') throw new Error(`${name} answered ${r.status} ${JSON.stringify(r.body.slice(0, 200))}, expected 200 "ok\\n"`);
}

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const dir = await mkdtemp(join(tmpdir(), 'gantry-bench-router-'));
  const profDir = join(dir, 'prof');
  const cleanup: Array<() => Promise<unknown>> = [];
  const runCleanup = async () => {
    for (const c of cleanup.splice(0).reverse()) await c().catch((err: unknown) => console.error(`cleanup: ${String(err)}`));
  };
  const onSignal = () => {
    console.error('\ninterrupted: cleaning up');
    void runCleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  if (!opt.keep) cleanup.push(() => rm(dir, { recursive: true, force: true }));
  // Runs after the router stopped (it writes its profile on exit), before the files go.
  if (opt.profile) cleanup.push(() => printProfiles(profDir));

  const redis = connectRedis(config.REDIS_URL, `${INSTANCE}-bench`);
  redisCpuSeconds = async () => {
    const info = await redis.info('cpu');
    const field = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? 0);
    return field('used_cpu_user') + field('used_cpu_sys');
  };
  const keys = keysFor(INSTANCE);
  routerEventLoop = async (pid) => [...(await new RoutingTable(redis, keys).liveRouters()).values()].find((p) => p.pid === pid)?.eventLoop;
  const dropKeys = async () => {
    const left = await redis.keys(`${keys.prefix}*`);
    if (left.length) await redis.del(...left);
  };
  cleanup.push(async () => {
    await dropKeys();
    redis.disconnect();
  });

  try {
    console.log(`files in ${dir}`);
    const backend = await startBackend(dir);
    cleanup.push(() => backend.stop());
    await verify('backend', backend.port);

    const nginx = await startNginxProxy(dir, backend.port);
    cleanup.push(() => nginx.stop());
    await verify('nginx proxy', nginx.port);

    await dropKeys();
    await new RoutingTable(redis, keys).set({
      [HOST]: { app: 'bench', appId: 'bench', backends: [{ id: 'bench-1', host: '127.0.0.1', port: backend.port, process: 'web.1' }] },
    });
    const nodeFlags = [...(process.env.ROUTER_NODE_FLAGS ? process.env.ROUTER_NODE_FLAGS.split(' ') : []), ...(opt.profile ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : []), ...(opt.perf ? ['--perf-basic-prof'] : [])];
    const gantry = await startGantryRouter(dir, { instance: INSTANCE, redisUrl: config.REDIS_URL, nodeFlags, logLevel: opt['log-level'] });
    cleanup.push(() => gantry.stop());
    await verify('Gantry router', gantry.port);

    console.log(`backend nginx :${backend.port}, nginx proxy :${nginx.port}, Gantry router :${gantry.port} (pid ${gantry.proc.pid})`);
    const warmup = Number(opt.warmup);
    if (warmup > 0) {
      console.log(`warm-up: ${warmup} s each`);
      await measure(nginx, backend, warmup);
      await measure(gantry, backend, warmup);
    }

    const rounds = Math.max(1, Number(opt.rounds));
    const results: Array<{ throughput: number; p99: number; errors: number }> = [];
    for (let i = 0; i < rounds; i++) {
      // Alternate the order so that drift of the shared machine does not favour one side.
      const first = i % 2 === 0 ? nginx : gantry;
      const second = first === nginx ? gantry : nginx;
      const perfOf = (c: Child) => (opt.perf && i === 0 ? join(dir, `${c.name}.perf.data`) : undefined);
      const a = await measure(first, backend, load.durationS, perfOf(first));
      const b = await measure(second, backend, load.durationS, perfOf(second));
      const [n, g] = first === nginx ? [a, b] : [b, a];
      results.push(report(rounds > 1 ? i + 1 : undefined, n, g));
    }
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
    const throughput = median(results.map((r) => r.throughput));
    const p99 = median(results.map((r) => r.p99));
    const errors = results.reduce((s, r) => s + r.errors, 0);
    const yes = (ok: boolean) => (ok ? 'met' : 'NOT met');
    if (opt.perf) {
      await printPerf('nginx', join(dir, `${nginx.name}.perf.data`));
      await printPerf('gantry', join(dir, `${gantry.name}.perf.data`));
    }
    console.log(
      `\ngoals${rounds > 1 ? ` (median of ${rounds} rounds)` : ''}: throughput >= ${GOAL_THROUGHPUT} of nginx: ${throughput.toFixed(2)} ${yes(throughput >= GOAL_THROUGHPUT)}; ` +
        `p99 <= ${GOAL_P99}x nginx: ${p99.toFixed(2)}x ${yes(p99 <= GOAL_P99)}; zero errors: ${errors} ${yes(errors === 0)}`,
    );
  } finally {
    await runCleanup();
  }
}

async function printProfiles(profDir: string): Promise<void> {
  const files = (await readdir(profDir).catch(() => [])).filter((f) => f.endsWith('.cpuprofile'));
  if (files.length === 0) console.log('no CPU profile was written');
  for (const f of files) printSummary(join(profDir, f));
  if (!opt.keep) console.log('(run with --keep to keep the profile, e.g. for Chrome DevTools)');
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
