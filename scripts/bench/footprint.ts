/**
 * Footprint benchmark (npm run bench:footprint, issue 17 "Lean enough for a 1 GB machine"), one
 * run, on an isolated installation brought up by `npm run up` itself (footprint-install.ts):
 *   start    `npm run up` on a new database (migrations, first admin), `npm run down`, then
 *            `npm run up` again (an installed machine): each one's wall time, and per service
 *            the time from its spawn to its first readiness signal (footprint-start.ts);
 *   idle     N apps deployed in sequence (default 20 static sites), left to settle, then the
 *            resident memory of the supervisor and all its descendants (tsx's esbuild helpers
 *            too) and of netd's container, grouped by service, sampled every 3 s: medians;
 *   deploy   one more app pushed while sampling every 500 ms: each service's peak, the peak of
 *            the total, and the build container's apart (the app's, not Gantry's);
 *   agent    the agent (its process and descendants) idle and at the deploy's peak.
 * Memory: VmRSS of /proc/<pid>/status per process (shared pages count in every process), with
 * Pss of smaps_rollup beside it (shared pages divided); MB = 2^20 bytes. Budgets: 400 MB idle,
 * 600 MB during a deploy, 60 MB for an agent, 10 s for `npm run up`. Settings: footprint-options.ts.
 * Prints the figures and keeps them in .gantry/bench/; exits 0 whatever the budgets say (they
 * are figures, not a test), 1 when the run itself failed.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, type Config } from '@gantry/config';
import { connectDocker } from '@gantry/docker';
import { supervisorPid } from '@gantry/installer';
import { connectRedis } from '@gantry/live';
import type { Redis } from 'ioredis';
import { benchUser, fixtureRepo, git, median, printRows, remote, runBench, secs, cleanUpOnSignal } from './common';
import { agentFootprint, againstBudget, BUDGET, idleFigures, mb, memoryTable, peakFigures, type Sample } from './footprint-figures';
import { prepareInstall, INSTANCE, type FootprintInstall } from './footprint-install';
import { footprintBenchOptions, type FootprintBenchOptions } from './footprint-options';
import { containerRoots, readClock, snapshot, type Clock } from './footprint-sample';
import { startTimes, upReportedMs, type Signal, type StartFigures } from './footprint-start';
import { watchReadiness } from './footprint-watch';
import { firstOk } from './http';

const step = (msg: string) => console.log(msg);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Probe {
  clock: Clock;
  containers: ReturnType<typeof containerRoots>;
}

async function sampleNow(config: Config, probe: Probe): Promise<Awaited<ReturnType<typeof snapshot>>> {
  const pid = supervisorPid(config);
  if (!pid) throw new Error('the supervisor (gantryd) is not running');
  return snapshot({ supervisor: pid, containers: await probe.containers() }, probe.clock);
}

/** The services a process of gantryd's runs (the GANTRY_PARTS it was given), else its group's name. */
async function partsOf(pid: number, group: string): Promise<string[]> {
  const env = await readFile(`/proc/${pid}/environ`, 'utf8').catch(() => '');
  const parts = env.split('\0').find((kv) => kv.startsWith('GANTRY_PARTS='))?.slice('GANTRY_PARTS='.length);
  return parts ? parts.split(',') : [group];
}

/** `npm run up`, timed, with each service's spawn-to-ready read while it runs. */
async function timedUp(install: FootprintInstall, redis: Redis, probe: Probe): Promise<{ ms: number; upTsMs: number | null; start: StartFigures }> {
  const watch = watchReadiness(install.config, redis);
  let signals: Signal[] = [];
  let up: { ms: number; output: string };
  try {
    up = await install.npm('up');
  } finally {
    signals = await watch.stop();
  }
  const snap = await sampleNow(install.config, probe);
  const sup = snap.sample.groups.find((g) => g.kind === 'supervisor')!;
  const services = await Promise.all(
    snap.sample.groups.filter((g) => g.kind === 'service').map(async (g) => ({ group: g.group, pid: g.pid, startedAt: snap.startedAt.get(g.pid)!, parts: await partsOf(g.pid, g.group) })),
  );
  return { ms: up.ms, upTsMs: upReportedMs(up.output), start: startTimes(snap.startedAt.get(sup.pid)!, services, signals) };
}

/** Samples every `everyMs` until `done` settles (and once more after it). */
async function sampleWhile(config: Config, probe: Probe, everyMs: number, done: Promise<unknown>): Promise<Sample[]> {
  let finished = false;
  void done.finally(() => (finished = true)).catch(() => {});
  const samples: Sample[] = [];
  for (;;) {
    const t = Date.now();
    const last = finished;
    samples.push((await sampleNow(config, probe)).sample);
    if (last) return samples;
    await Promise.race([sleep(Math.max(0, everyMs - (Date.now() - t))), done.catch(() => {})]);
  }
}

interface Deployer {
  deploy(app: string): Promise<number>;
}

async function deployer(config: Config, opts: FootprintBenchOptions, work: string): Promise<Deployer> {
  const { client, token } = await benchUser(config);
  const dir = await fixtureRepo(opts.fixture, join(work, 'app'));
  return {
    deploy: async (app) => {
      const t0 = Date.now();
      await client.createApp(app);
      await git(dir, ['push', '-q', remote(config, app, token), 'main']);
      await firstOk(config.GANTRY_ROUTER_PORT, `${app}.${config.GANTRY_APPS_DOMAIN}`, opts.expect, 180_000);
      return Date.now() - t0;
    },
  };
}

function startRows(label: string, up: { ms: number; upTsMs: number | null; start: StartFigures }): [string, string][] {
  const rows: [string, string][] = [[`${label}: npm run up`, `${secs(up.ms)} (of which scripts/up.ts reports ${up.upTsMs === null ? '-' : secs(up.upTsMs)})`]];
  rows.push([`${label}: supervisor start to all services ready`, up.start.allReadyMs === null ? 'not all ready' : secs(up.start.allReadyMs)]);
  for (const s of up.start.services) rows.push([`${label}:   ${s.group}`, `spawned ${secs(s.spawnedAfterMs)} after the supervisor, ready ${s.readyMs === null ? 'never' : `${secs(s.readyMs)} later`}`]);
  return rows;
}

async function main(): Promise<void> {
  const opts = footprintBenchOptions(process.env);
  const work = await mkdtemp(join(tmpdir(), 'gantry-bench-footprint-'));
  step(`Preparing an isolated installation (instance "${INSTANCE}")...`);
  const install = await prepareInstall(work);
  const { config } = install;
  const redis = connectRedis(config.REDIS_URL, 'bench-footprint');
  const probe: Probe = { clock: await readClock(), containers: containerRoots(connectDocker(config.DOCKER_HOST), INSTANCE) };
  let cleaning: Promise<void> | undefined;
  const cleanup = () =>
    (cleaning ??= (async () => {
      step('Cleaning up (the isolated installation and its apps, the bench files)...');
      redis.disconnect();
      await install.remove().catch((err: Error) => console.error(`  cleanup: ${err.message}`));
      await rm(work, { recursive: true, force: true }).catch(() => {});
    })());
  const offSignals = cleanUpOnSignal(cleanup);

  try {
    step('npm run up (a new database: migrations, first admin)...');
    const first = await timedUp(install, redis, probe);
    step(`  ${secs(first.ms)}; npm run down...`);
    const down = await install.npm('down');
    step(`  ${secs(down.ms)}; npm run up again (installed, services stopped)...`);
    const again = await timedUp(install, redis, probe);
    step(`  ${secs(again.ms)}`);

    const d = await deployer(config, opts, work);
    step(`Deploying ${opts.apps} ${opts.fixture} apps in sequence...`);
    const deployMs: number[] = [];
    for (let i = 1; i <= opts.apps; i++) {
      deployMs.push(await d.deploy(`fp-${i}`));
      step(`  fp-${i}: pushed and answering in ${secs(deployMs.at(-1)!)}`);
    }

    step(`Settling ${opts.settleSeconds} s, then sampling every 3 s for ${opts.idleSeconds} s...`);
    await sleep(opts.settleSeconds * 1000);
    const idleSamples: Sample[] = [];
    for (let t0 = Date.now(); Date.now() - t0 <= opts.idleSeconds * 1000; ) {
      const t = Date.now();
      idleSamples.push((await sampleNow(config, probe)).sample);
      await sleep(Math.max(0, 3000 - (Date.now() - t)));
    }

    step('One more deploy, sampling every 500 ms...');
    const extra = d.deploy('fp-extra');
    const deploySamples = await sampleWhile(config, probe, 500, extra);
    const extraMs = await extra;

    const idle = idleFigures(idleSamples);
    const peak = peakFigures(deploySamples);
    const agent = agentFootprint(idle, peak);
    const readyMs = Object.fromEntries(again.start.services.map((s) => [s.group, s.readyMs]));
    const title =
      `Footprint benchmark: ${opts.apps} ${opts.fixture} apps deployed, this machine, one run. Resident memory per process group ` +
      `(a service's process and all its descendants): VmRSS (/proc/<pid>/status) and Pss (smaps_rollup), MB = 2^20 bytes; ` +
      `idle = median of ${idle.samples} samples over ${opts.idleSeconds} s after ${opts.settleSeconds} s settled; deploy peak = highest of ` +
      `${peak.samples} samples every 500 ms during one more push (${secs(extraMs)}); spawn to ready from the second npm run up`;
    const table = memoryTable(idle, peak, readyMs);
    const budgets: [string, string][] = [
      ['idle total, RSS (budget)', againstBudget(mb(idle.totalRssKb), BUDGET.idleMb, 'MB')],
      ['idle total, PSS', againstBudget(mb(idle.totalPssKb), BUDGET.idleMb, 'MB')],
      ['build and deploy, peak total RSS (budget)', againstBudget(mb(peak.totalRssKb), BUDGET.deployMb, 'MB')],
      ['build and deploy, peak total PSS', againstBudget(mb(peak.totalPssKb), BUDGET.deployMb, 'MB')],
      ['agent alone, idle RSS', agent ? againstBudget(mb(agent.idleKb), BUDGET.agentMb, 'MB') : 'no agent seen'],
      ['agent alone, peak RSS during the deploy', agent ? againstBudget(mb(agent.peakKb), BUDGET.agentMb, 'MB') : 'no agent seen'],
      ['npm run up, installed, services stopped (budget)', againstBudget(again.ms / 1000, BUDGET.upSeconds, 's')],
      ...startRows('installed', again),
      ['npm run down', secs(down.ms)],
      ...startRows('new database', first),
      [`deploying ${opts.apps} apps in sequence`, deployMs.length ? `${secs(deployMs.reduce((a, b) => a + b, 0))} (median ${secs(median(deployMs))} each)` : 'none'],
    ];
    console.log(`\n${title}\n`);
    for (const line of table) console.log(`  ${line}`);
    printRows('Against issue 17\'s budgets, and start times', budgets);

    const dir = join(REPO_ROOT, '.gantry', 'bench');
    await mkdir(dir, { recursive: true });
    const file = join(dir, `footprint-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    const figures = { options: opts, budget: BUDGET, idle, peak, agent, start: { first, down, again }, deployMs, extraMs, idleSamples, deploySamples };
    await writeFile(file, JSON.stringify({ title, table, rows: budgets, figures }, null, 2) + '\n');
    console.log(`\nFigures kept in ${file}`);
  } finally {
    await cleanup();
    offSignals();
  }
  process.exit(0);
}

runBench(main);
