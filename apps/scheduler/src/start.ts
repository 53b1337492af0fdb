/**
 * The scheduler: decides where every instance runs and keeps every app at its desired state.
 * Several may run; one leads (a lease in Redis, with a fencing epoch agents check), the others
 * wait to take over. Any of them accepts deploy jobs (they only set the app's target release).
 *
 *   queue "deploys" ──> Deploys.request (target release) ──┐
 *   events (agents, API) ─────────────────────────────────┼─> ControlLoop (leader): reconcile -> apply
 *   every second: host up/down; every few seconds: sweep ─┘        │
 *                                                        agents <──┘ commands (queue agent-<host>)
 *   every second (leader): cron ticker (cron.ts) ─▶ due jobs ─▶ TaskRunner ─▶ one-off containers
 *   every 15 s (leader): backup timer (backups.ts) ─▶ scheduled backups ─▶ checked by a scratch restore ─▶ retention
 *   every 10 s (leader): autoscaler (autoscale.ts) ─▶ core's decide per autoscaled type ─▶ formation, log line
 *   every second (leader): HA add-ons' etcds (control's watchHa) ─▶ a new leader ─▶ wake: its name follows
 */
import { loadConfig } from '@gantry/config';
import { addonPlatform, syncManifestCron, watchHa, type Ctx } from '@gantry/control';
import { connectDb } from '@gantry/db';
import { connectDocker, TeamNetworks } from '@gantry/docker';
import { AgentCommands, JobQueues, startWorker } from '@gantry/jobs';
import {
  AllocationStore,
  AppLogs,
  BuildOutput,
  CertStore,
  HostRegistry,
  LeaderLease,
  MetricsStore,
  RestartRequests,
  NamesTable,
  RoutingTable,
  TaskStreams,
  connectRedis,
  hostIsUp,
  keysFor,
  onEvents,
  publishEvent,
  startHeartbeat,
} from '@gantry/live';
import { createLogger, type StopService } from '@gantry/log';
import { AUTOSCALE_TICK_MS, Autoscaler } from './autoscale';
import { BACKUP_TICK_MS, BackupTimer } from './backups';

const HA_TICK_MS = 1000;
import { Deploys } from './deploys';
import { Sleeper, SLEEP_TICK_MS } from './sleeper';
import { describeError } from './describe-error';
import { CronTicker, startCronTicker } from './cron';
import { ControlLoop } from './loop';
import { TaskRunner } from './tasks';
import { volumeBinder } from './volumes';

export async function startScheduler(): Promise<StopService> {
  const config = loadConfig(process.env);
  const log = createLogger('scheduler', config.GANTRY_LOG_LEVEL);
  const db = connectDb(config.DATABASE_URL);
  const redis = connectRedis(config.REDIS_URL, 'gantry-scheduler');
  const keys = keysFor(config.GANTRY_INSTANCE);
  const lease = new LeaderLease(redis, keys);
  let leader = false;

  const wake = (appId: string, why: string) => publishEvent(redis, keys, { kind: 'desired', appId, why });
  const allocs = new AllocationStore(redis, keys);
  const registry = new HostRegistry(redis, keys);
  const commands = new AgentCommands(redis, config.GANTRY_INSTANCE);
  const taskStreams = new TaskStreams(redis, keys);
  const appLogs = new AppLogs(redis, keys.prefix, config.GANTRY_LOG_RETENTION);
  const networks = new TeamNetworks(connectDocker(config.DOCKER_HOST), { installation: config.GANTRY_INSTANCE, pool: config.GANTRY_NETWORK_POOL });
  const tasks = new TaskRunner({
    db,
    redis,
    connect: (name) => connectRedis(config.REDIS_URL, name),
    streams: taskStreams,
    registry,
    allocs,
    commands,
    installation: config.GANTRY_INSTANCE,
    graceMs: config.GANTRY_HOST_GRACE,
    networks,
  });
  const deploys = new Deploys({
    tasks,
    db,
    redis,
    keys,
    output: new BuildOutput(redis, keys),
    logs: appLogs,
    log,
    appUrl: config.urls.app,
    wake,
    syncCron: async (appId, cron) => void (await syncManifestCron({ db }, appId, cron ?? [])),
  });
  const cron = new CronTicker({
    db,
    tasks,
    streams: taskStreams,
    logs: appLogs,
    log,
    hostsUp: async (ids) => {
      const beats = await registry.beats(ids);
      const now = Date.now();
      return new Set(ids.filter((id) => hostIsUp(beats.get(id), now, config.GANTRY_HOST_GRACE)));
    },
  });
  const addons = addonPlatform({ db, redis, keys, hosts: registry }, config);
  const backupCtx: Ctx = {
    db,
    queues: new JobQueues(redis, config.GANTRY_INSTANCE),
    events: { append: (appId, line) => appLogs.append(appId, [{ source: 'gantry', process: 'scheduler', line }]) },
    imageRepoPrefix: `gantry-${config.GANTRY_INSTANCE}`,
    addons,
  };
  const backups = new BackupTimer({ ctx: backupCtx, scratch: addons.scratch, log });
  const loop = new ControlLoop({
    db,
    allocs,
    registry,
    routes: new RoutingTable(redis, keys),
    restarts: new RestartRequests(redis, keys),
    certs: new CertStore(redis, keys),
    commands,
    deploys,
    log,
    networks,
    names: new NamesTable(redis, keys),
    leaders: addons.ha,
    volumes: volumeBinder(db),
    installation: config.GANTRY_INSTANCE,
    appsDomain: config.GANTRY_APPS_DOMAIN,
    bootTimeoutMs: config.GANTRY_BOOT_TIMEOUT,
    stopTimeoutMs: config.GANTRY_STOP_TIMEOUT,
    graceMs: config.GANTRY_HOST_GRACE,
    cpuOvercommit: config.GANTRY_CPU_OVERCOMMIT,
    drainMs: config.GANTRY_DRAIN_TIME,
    epoch: () => lease.epoch,
    isLeader: () => leader,
  });

  const deployer = startWorker('deploy', connectRedis(config.REDIS_URL, 'gantry-scheduler-worker'), config.GANTRY_INSTANCE, {
    process: (job) => deploys.request(job),
    // A release phase may run for minutes: other apps' deploys go on meanwhile. A scheduler that
    // dies leaves its job locked for lockDuration; another takes it over within ~15 s.
  }, { concurrency: 16, lockDuration: 10_000, stalledInterval: 5_000 });
  deployer.on('error', (err) => log.error(`deploy worker: ${err.message}`));

  const sleeper = new Sleeper({ ctx: { ...backupCtx, live: { wake, hostChanged: async () => {} } }, metrics: new MetricsStore(redis, keys), log });
  const stopEvents = await onEvents(connectRedis(config.REDIS_URL, 'gantry-scheduler-events'), keys, (e) => {
    if (!leader) return;
    if (e.kind === 'hosts') loop.sweep();
    else if (e.kind === 'wake') sleeper.wake(e.appId, e.by).catch((err) => log.error(`wake of ${e.appId}: ${describeError(err)}`));
    else loop.wake(e.appId);
  });

  // Leadership: take the lease when free, renew it while leading, stop acting the moment it is lost.
  const lead = async () => {
    if (leader) {
      if (await lease.renew()) return;
      leader = false;
      loop.stop();
      log.warn('lost leadership');
      return;
    }
    if ((await lease.tryAcquire()) > 0) {
      leader = true;
      log.info(`leading (epoch ${lease.epoch})`);
      await loop.syncRegistry();
      await loop.syncCerts();
      loop.sweep();
    }
  };
  // Outages: every step below fails (and is logged) while Postgres or Redis is away, and is
  // tried again on its next tick; none may reject unhandled (that ends the process). A tick
  // still waiting (Redis commands wait through an outage here) is not started twice.
  const every = (ms: number, what: string, step: () => Promise<void>) => {
    let busy = false;
    const tick = async () => {
      if (busy) return;
      busy = true;
      try {
        await step();
      } catch (err) {
        log.error(`${what}: ${describeError(err)}`);
      } finally {
        busy = false;
      }
    };
    return setInterval(() => void tick(), ms);
  };
  await lead().catch((err) => log.error(`lease: ${describeError(err)}`));
  const leadTimer = every(2000, 'lease', lead);
  const hostTimer = every(1000, 'hosts', async () => {
    if (leader) await loop.checkHosts();
  });
  const sweepTimer = every(config.GANTRY_RECONCILE_INTERVAL, 'registry', async () => {
    if (!leader) return;
    loop.sweep();
    await loop.syncRegistry();
  });
  const stopCron = startCronTicker(cron, () => leader, log);
  const backupTimer = every(BACKUP_TICK_MS, 'backups', async () => {
    if (leader) await backups.tick();
  });
  // HA add-ons: their leader as their etcd says, every second; a new leader is named at once.
  const haErrors = new Map<string, string>();
  const haTimer = every(HA_TICK_MS, 'ha', async () => {
    if (!leader) return;
    const { changes, errors } = await watchHa(backupCtx);
    for (const c of changes) {
      log.info(`ha: ${c.addon}: leader ${c.from ?? 'none'} -> ${c.to ?? 'none'}`);
      await wake(c.appId, `HA leader ${c.to ?? 'none'}`);
    }
    for (const e of errors) if (haErrors.get(e.addon) !== e.error) log.warn(`ha: ${e.addon}: ${e.error}`);
    haErrors.clear();
    for (const e of errors) haErrors.set(e.addon, e.error);
  });
  const autoscaler = new Autoscaler({
    ctx: { ...backupCtx, live: { wake, hostChanged: async () => {} } },
    metrics: new MetricsStore(redis, keys),
    allocs,
    logs: appLogs,
    redis,
    keys,
    log,
    windowMs: config.GANTRY_AUTOSCALE_WINDOW,
    stabilizationMs: config.GANTRY_AUTOSCALE_STABILIZATION,
  });
  const autoscaleTimer = every(AUTOSCALE_TICK_MS, 'autoscale', async () => {
    if (leader) await autoscaler.tick();
  });
  const sleepTimer = every(SLEEP_TICK_MS, 'sleep', async () => {
    if (leader) await sleeper.tick();
  });
  const stopHeartbeat = startHeartbeat(redis, keys, 'scheduler', () => ({ leader }));
  log.info(`scheduler ready (${leader ? 'leader' : 'standby'})`);

  const shutdown = async () => {
    log.info('shutting down');
    clearInterval(leadTimer);
    clearInterval(hostTimer);
    clearInterval(sweepTimer);
    clearInterval(backupTimer);
    clearInterval(haTimer);
    clearInterval(autoscaleTimer);
    clearInterval(sleepTimer);
    stopCron();
    loop.stop();
    if (leader) await lease.resign();
    await stopEvents();
    await deployer.close();
    await stopHeartbeat();
    await db.$disconnect();
    redis.disconnect();
  };
  return shutdown;
}
