/**
 * Router benchmark, one run: nginx as a reverse proxy and the Gantry router, each in front of the
 * same backend, under the same wrk load, measured in turn, in two settings:
 *
 *   nginx backend (answers "ok\n" itself): what the proxies cost on their own
 *     wrk ──▶ nginx proxy (1 worker, upstream keepalive 64) ──▶ backend nginx
 *     wrk ──▶ Gantry router (apps/router/src/main.ts, one process) ──▶ backend nginx
 *   app backend (issue 17, "as a user would"): the test fixture app (Express) in a container,
 *   reached at its published port, as Gantry runs an instance
 *     wrk ──▶ nginx proxy ──▶ app container      wrk ──▶ Gantry router ──▶ app container
 *
 * Prints requests/s, p50 and p99 latency of both proxies per setting, the ratios, the CPU each
 * proxy and the backend used per request, the CPU Redis used per request (the router's request
 * lines), and whether each setting's goals are met (median of the rounds; see GOALS).
 *
 *   node --import tsx scripts/bench/router.ts [--backend nginx|app|both] [--duration 8]
 *        [--connections 32] [--threads 1] [--warmup 3] [--rounds 3] [--profile] [--perf] [--keep]
 *        [--log-level info] [--compare <git rev>] [--app-address port|ip]
 *
 *   --profile  V8 CPU profile of the router (--cpu-prof), summarized. It samples wall time on the
 *              main thread: time the process waits inside a syscall while another process runs
 *              is counted too, so syscalls look bigger than they are.
 *   --app-address port|ip  how the proxies reach the app: its published port on 127.0.0.1 (as
 *              Gantry routes today, through Docker's userland proxy) or its container address.
 *   --compare <git rev>  also runs the router of that revision, measured in the same rounds
 *              (side by side with the current one; router-compare.ts).
 *   --perf     `perf record` of both proxies during the first round of each setting (CPU time,
 *              kernel included, JS frames named through --perf-basic-prof), summarized.
 *   ROUTER_NODE_FLAGS="--max-semi-space-size=32"  extra Node flags for the router (experiments).
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '@gantry/config';
import { connectRedis, keysFor, RoutingTable } from '@gantry/live';
import { ensureAppImage, removeStaleApps, startApp } from './router-app';
import { printPerf } from './router-perf';
import { printSummary } from './router-profile';
import { routerAt } from './router-compare';
import { measure, median, report, type Measured, type Probes, type Ratios } from './router-report';
import { get, startBackend, startGantryRouter, startNginxProxy, type Child } from './router-servers';
import type { Load } from './router-wrk';

const INSTANCE = 'bench-router';
type SettingName = 'nginx' | 'app';
/** Per setting: Host header, what the answer must hold, goals (throughput >= x of nginx, p99 <= y x nginx). */
const SETTINGS: Record<SettingName, { host: string; expect: string; throughput: number; p99: number; title: string }> = {
  nginx: { host: 'bench.localhost', expect: 'ok\n', throughput: 0.5, p99: 2, title: 'nginx backend (answers by itself)' },
  app: { host: 'app.localhost', expect: '"version"', throughput: 0.6, p99: 1.5, title: 'app backend (fixture Node app in a container)' },
};

const { values: opt } = parseArgs({
  options: {
    backend: { type: 'string', default: 'both' },
    duration: { type: 'string', default: '8' },
    connections: { type: 'string', default: '32' },
    threads: { type: 'string', default: '1' },
    warmup: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '3' },
    profile: { type: 'boolean', default: false },
    perf: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    'log-level': { type: 'string', default: 'info' },
    compare: { type: 'string' },
    'app-address': { type: 'string', default: 'port' },
  },
});
if (!['nginx', 'app', 'both'].includes(opt.backend)) throw new Error(`--backend nginx|app|both, not ${opt.backend}`);
if (!['port', 'ip'].includes(opt['app-address'])) throw new Error(`--app-address port|ip, not ${opt['app-address']}`);
const settingNames: SettingName[] = opt.backend === 'both' ? ['nginx', 'app'] : [opt.backend as SettingName];
const loadFor = (name: SettingName): Load => ({ threads: Number(opt.threads), connections: Number(opt.connections), durationS: Number(opt.duration), host: SETTINGS[name].host });

async function verify(what: string, port: number, s: SettingName): Promise<void> {
  const r = await get(port, SETTINGS[s].host, '/');
  if (r.status !== 200 || !r.body.includes(SETTINGS[s].expect)) throw new Error(`${what} answered ${r.status} ${JSON.stringify(r.body.slice(0, 200))}, expected 200 with ${JSON.stringify(SETTINGS[s].expect)}`);
}

interface Setting {
  name: SettingName;
  backend: Child;
  nginx: Child;
}

async function runSetting(probes: Probes, s: Setting, gantry: Child, base: Child | undefined, dir: string): Promise<Ratios[]> {
  const load = loadFor(s.name);
  const warmup = Number(opt.warmup);
  const at = s.backend.target ? `${s.backend.target.host}:${s.backend.target.port}` : `:${s.backend.port}`;
  console.log(`\n== ${SETTINGS[s.name].title}: backend ${at}, nginx proxy :${s.nginx.port}, Gantry router :${gantry.port} (pid ${gantry.proc.pid})`);
  if (warmup > 0) {
    console.log(`warm-up: ${warmup} s each`);
    await measure(probes, s.nginx, s.backend, load, warmup);
    await measure(probes, gantry, s.backend, load, warmup);
    if (base) await measure(probes, base, s.backend, load, warmup);
  }
  const rounds = Math.max(1, Number(opt.rounds));
  const results: Ratios[] = [];
  for (let i = 0; i < rounds; i++) {
    // Alternate the order so that drift of the shared machine does not favour one side.
    const order = [s.nginx, gantry, ...(base ? [base] : [])];
    if (i % 2 === 1) order.reverse();
    const perfOf = (c: Child) => (opt.perf && i === 0 ? join(dir, `${s.name}-${c.name}.perf.data`) : undefined);
    const m = new Map<Child, Measured>();
    for (const c of order) m.set(c, await measure(probes, c, s.backend, load, load.durationS, perfOf(c)));
    const other = base ? { name: base.name, m: m.get(base)! } : undefined;
    results.push(report(`${s.name} backend${rounds > 1 ? `, round ${i + 1}` : ''}`, load, m.get(s.nginx)!, m.get(gantry)!, other));
  }
  if (opt.perf) {
    await printPerf(`nginx (${s.name} backend)`, join(dir, `${s.name}-${s.nginx.name}.perf.data`));
    await printPerf(`gantry (${s.name} backend)`, join(dir, `${s.name}-gantry.perf.data`));
  }
  return results;
}

function judge(name: SettingName, results: Ratios[]): void {
  const g = SETTINGS[name];
  const throughput = median(results.map((r) => r.throughput));
  const p99 = median(results.map((r) => r.p99));
  const errors = results.reduce((s, r) => s + r.errors, 0);
  const yes = (ok: boolean) => (ok ? 'met' : 'NOT met');
  const rounds = results.length > 1 ? ` (median of ${results.length} rounds)` : '';
  console.log(
    `goals, ${name} backend${rounds}: throughput >= ${g.throughput} of nginx: ${throughput.toFixed(2)} ${yes(throughput >= g.throughput)}; ` +
      `p99 <= ${g.p99}x nginx: ${p99.toFixed(2)}x ${yes(p99 <= g.p99)}; zero errors: ${errors} ${yes(errors === 0)}`,
  );
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
  const keys = keysFor(INSTANCE);
  const probes: Probes = {
    redisCpuSeconds: async () => {
      const info = await redis.info('cpu');
      const field = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? 0);
      return field('used_cpu_user') + field('used_cpu_sys');
    },
    routerEventLoop: async (pid) => [...(await new RoutingTable(redis, keys).liveRouters()).values()].find((p) => p.pid === pid)?.eventLoop,
  };
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
    const settings: Setting[] = [];
    for (const name of settingNames) {
      let backend: Child;
      if (name === 'app') {
        await removeStaleApps();
        backend = await startApp(await ensureAppImage(config.GANTRY_STACK_IMAGE), SETTINGS.app.host, opt['app-address'] as 'port' | 'ip');
      } else {
        backend = await startBackend(dir);
      }
      cleanup.push(() => backend.stop());
      await verify(`${name} backend`, backend.port, name);
      const nginx = await startNginxProxy(dir, backend.target ?? { host: '127.0.0.1', port: backend.port }, `proxy-${name}`);
      cleanup.push(() => nginx.stop());
      await verify(`nginx proxy (${name} backend)`, nginx.port, name);
      settings.push({ name, backend, nginx });
    }

    await dropKeys();
    await new RoutingTable(redis, keys).set(
      Object.fromEntries(
        settings.map((s) => [SETTINGS[s.name].host, { app: `bench-${s.name}`, appId: `bench-${s.name}`, backends: [{ id: `bench-${s.name}-1`, ...(s.backend.target ?? { host: '127.0.0.1', port: s.backend.port }), process: 'web.1' }] }]),
      ),
    );
    const nodeFlags = [...(process.env.ROUTER_NODE_FLAGS ? process.env.ROUTER_NODE_FLAGS.split(' ') : []), ...(opt.profile ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : []), ...(opt.perf ? ['--perf-basic-prof'] : [])];
    const gantry = await startGantryRouter(dir, { instance: INSTANCE, redisUrl: config.REDIS_URL, nodeFlags, logLevel: opt['log-level'], readyHost: SETTINGS[settings[0]!.name].host });
    cleanup.push(() => gantry.stop());
    for (const s of settings) await verify(`Gantry router (${s.name} backend)`, gantry.port, s.name);
    let base: Child | undefined;
    if (opt.compare !== undefined) {
      const at = await routerAt(opt.compare);
      cleanup.push(at.remove);
      base = await startGantryRouter(dir, { instance: INSTANCE, redisUrl: config.REDIS_URL, logLevel: opt['log-level'], readyHost: SETTINGS[settings[0]!.name].host, entry: at.entry, name: `@${at.commit}` });
      cleanup.push(() => base!.stop());
      console.log(`compared with the router at ${at.commit} (pid ${base.proc.pid}; ROUTER_NODE_FLAGS apply to the current one only)`);
    }

    const results = new Map<SettingName, Ratios[]>();
    for (const s of settings) results.set(s.name, await runSetting(probes, s, gantry, base, dir));
    console.log('');
    for (const [name, r] of results) judge(name, r);
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
