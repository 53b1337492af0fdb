/**
 * gantry-agent: works for one Docker host. It runs the scheduler's commands (start/stop), checks
 * its instances' health, reports their state, ships their logs and heartbeats the host.
 *
 *   scheduler ──queue agent-<host>──> commands.ts ──> docker-host.ts ──> Docker engine
 *                                         │
 *   Redis <── states, events, logs ── instances.ts (startup + liveness checks, restarts)
 *   Redis <── heartbeat (docker reachable, usage) ── heartbeat.ts
 *   every 5 s, and when Docker answers again: reconcile-local.ts (remove containers no
 *               allocation claims, adopt the others, audit every instance against its container,
 *               report vanished ones), sweep-one-offs.ts (remove `gantry run` containers whose
 *               session is gone), tasks.ts adopt (follow task containers again after a restart)
 *   instances with sidecars ──> sidecars.ts (start beside them, restart with backoff and with
 *               them, remove before them; swept every pass) ──> sidecar-containers.ts
 *   task commands ──> tasks.ts (run once to completion: release phase, scripts, cron) ──> task stream
 *
 * Usage: GANTRY_AGENT_HOST=<host name> gantry-agent   (with REDIS_URL, GANTRY_INSTANCE, GANTRY_SECRET)
 */
import { loadConfig } from '@gantry/config';
import { openDockerTls } from '@gantry/core';
import { connectDocker } from '@gantry/docker';
import { startAgentWorker } from '@gantry/jobs';
import { AllocationStore, AppLogs, HostRegistry, MetricsStore, NamesTable, OneOffLeases, PrivateAddresses, TaskStreams, connectRedis, keysFor, publishEvent } from '@gantry/live';
import { createLogger, onShutdown, runMain } from '@gantry/log';
import { handleCommand } from './commands';
import { DockerHost } from './docker-host';
import { Heartbeat } from './heartbeat';
import { ImageFetcher } from './images';
import { NetdSync } from './netd-sync';
import { ensureSwarmMember, type SwarmJoin } from './swarm-member';
import { Instances } from './instances';
import { reconcileLocal } from './reconcile-local';
import { SidecarContainers } from './sidecar-containers';
import { Sidecars } from './sidecars';
import { StatsSampler } from './stats';
import { sweepOneOffs } from './sweep-one-offs';
import { Tasks } from './tasks';

const BEAT_MS = 2000;
// Every instance the formation wants runs again within seconds whatever stopped it, even when
// the event that said so was lost: the local reconcile compares containers with allocations.
const RECONCILE_MS = 5_000;
/** Containers nobody watched that vanished are looked for on the first pass and every 6th (30 s). */
const VANISHED_EVERY = 6;

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const name = config.GANTRY_AGENT_HOST;
  if (!name) throw new Error('Set GANTRY_AGENT_HOST to the name of the host this agent works for.');
  const log = createLogger(`agent[${name}]`, config.GANTRY_LOG_LEVEL);
  const redis = connectRedis(config.REDIS_URL, `gantry-agent-${name}`);
  const keys = keysFor(config.GANTRY_INSTANCE);
  const registry = new HostRegistry(redis, keys);
  const record = await registry.byName(name);
  if (!record) throw new Error(`No host named ${name} is registered (gantry hosts:add).`);

  const docker = connectDocker(record.dockerUrl, record.tls && openDockerTls(record.tls, config.GANTRY_SECRET));
  const addresses = new PrivateAddresses(redis, keys);
  let netd: NetdSync | undefined;
  const host = new DockerHost(docker, { address: record.address, installation: config.GANTRY_INSTANCE, addresses, netdReady: async () => (netd ? netd.usesNetd() : false) });
  const allocs = new AllocationStore(redis, keys);
  const logs = new AppLogs(redis, keys.prefix, config.GANTRY_LOG_RETENTION);
  const sidecars = new Sidecars({
    containers: new SidecarContainers(docker, config.GANTRY_INSTANCE),
    host,
    allocs,
    logs,
    log,
    stopTimeoutMs: config.GANTRY_STOP_TIMEOUT,
    tracker: (allocId) => instances.tracked.get(allocId),
  });
  const instances = new Instances({
    sidecars,
    host,
    allocs,
    logs,
    redis,
    keys,
    log,
    local: record.dockerUrl.startsWith('unix:'),
    stopTimeoutMs: config.GANTRY_STOP_TIMEOUT,
  });
  const images = new ImageFetcher(docker, config.urls.images, config.GANTRY_SECRET);
  netd = new NetdSync({
    hostId: record.id,
    address: record.address,
    networkAddress: config.GANTRY_NETWORK_ADDRESS,
    controlPort: config.GANTRY_NETD_PORT,
    secret: config.GANTRY_SECRET,
    installation: config.GANTRY_INSTANCE,
    docker,
    host,
    images,
    redis,
    keys,
    names: new NamesTable(redis, keys),
    registry,
    log,
  });
  const netdSync = netd;
  // Names change with instances anywhere: the scheduler announces it; netd gets the new state.
  const namesSub = connectRedis(config.REDIS_URL, `gantry-agent-${name}-names`);
  await namesSub.subscribe(keys.namesChanged, keys.hostsChanged);
  namesSub.on('message', () => netdSync.schedule());
  const tasks = new Tasks({ hostId: record.id, host, images, streams: new TaskStreams(redis, keys), logs, log });
  // One Docker stats round every 10 s: per-instance samples, and their sum for the heartbeat.
  const stats = new StatsSampler({ host, instances, store: new MetricsStore(redis, keys), log });
  const heartbeat = new Heartbeat({ hostId: record.id, docker, registry, graceMs: config.GANTRY_HOST_GRACE, usage: () => stats.usage });
  const leases = new OneOffLeases(redis, keys);
  const leaseless = new Set<string>();
  const onLost = (appId: string, allocId: string) => publishEvent(redis, keys, { kind: 'state', appId, allocId, status: 'stopped' });
  // A host the control plane cannot reach joins the private network's swarm from here.
  let swarmSaid = '';
  const joinSwarm = async (): Promise<void> => {
    if (!(await registry.all()).some((h) => h.id === record.id)) return; // removed: never join again
    const raw = await redis.get(keys.swarmJoin);
    const done = await ensureSwarmMember(docker, raw ? (JSON.parse(raw) as SwarmJoin) : null, record.address);
    if (done !== swarmSaid && done !== 'member') log[done === 'joined' ? 'info' : 'warn'](`swarm: ${done === 'joined' ? 'joined the private network' : done === 'other-swarm' ? 'the engine is in another swarm: no private network here' : 'no join information (run npm run up on the control plane)'}`);
    swarmSaid = done;
  };
  // One pass at a time; a pass asked for while one runs follows it.
  let passing: Promise<void> | null = null;
  let again = false;
  let passes = 0;
  const local = async (): Promise<void> => {
    if (passing) {
      again = true;
      return passing;
    }
    passing = (async () => {
      do {
        again = false;
        const findVanished = passes++ % VANISHED_EVERY === 0;
        if (!record.managed) await joinSwarm().catch((err: Error) => log.warn(`swarm: ${err.message}`));
        await netdSync.ensure().catch((err: Error) => log.warn(`netd: ${err.message}`));
        await reconcileLocal({ hostId: record.id, host, allocs, instances, log, stopTimeoutMs: config.GANTRY_STOP_TIMEOUT, bootTimeoutMs: config.GANTRY_BOOT_TIMEOUT, onLost, findVanished });
        await sidecars.sweep(instances.tracked, instances.starting).catch((err: Error) => log.warn(`sidecars: ${err.message}`));
        await sweepOneOffs({ host, leases, logs, log }, leaseless);
        await tasks.adopt();
      } while (again);
    })().finally(() => (passing = null));
    return passing;
  };

  // Docker events keep the states honest between checks: exits and restarts are seen at once.
  let stopEvents: (() => void) | null = null;
  let stopDestroys: (() => void) | null = null;
  let shuttingDown = false;
  // Every container of ours that is destroyed (instance, one-off, task) gives its private address
  // back; any that starts or goes changes who asks netd for names.
  const followDestroys = async (): Promise<void> => {
    stopDestroys?.();
    stopDestroys = await host.events(
      (e) => {
        netdSync.schedule();
        if (e.action !== 'destroy') return;
        const network = e.labels['gantry.private.network'];
        const ip = e.labels['gantry.private.ip'];
        if (network && ip && e.labels.name) void addresses.release(network, ip, e.labels.name).catch(() => {});
      },
      () => {}, // it ends with the engine's stream: followEvents subscribes both again
      { anyRole: true, actions: ['start', 'destroy'] },
    );
  };
  const followEvents = async (): Promise<void> => {
    stopEvents?.();
    await followDestroys().catch((err: Error) => log.warn(`destroy events: ${err.message}`));
    stopEvents = await host.events(
      (e) => {
        const t = instances.byContainer(e.containerId);
        if (!t) return;
        if (e.action === 'die') void instances.exited(t, e.exitCode ?? null).catch(() => {});
        else if (e.action === 'start') void instances.restarted(t).catch(() => {});
      },
      // The stream ended (engine restart, dropped connection): subscribe again, then reconcile,
      // since whatever happened while it was down was not seen.
      () => {
        if (shuttingDown) return;
        const resubscribe = () =>
          void followEvents().then(
            () => local().catch((err: Error) => log.warn(`reconcile: ${err.message}`)),
            () => !shuttingDown && setTimeout(resubscribe, 1000),
          );
        setTimeout(resubscribe, 500);
      },
    );
  };

  await heartbeat.beat();
  const beatTimer = setInterval(() => void heartbeat.beat().catch((err: Error) => log.error(`heartbeat: ${err.message}`)), BEAT_MS);
  let dockerWasOk = true;
  const watchDocker = setInterval(() => {
    void docker.ping().then(
      async () => {
        if (!dockerWasOk) {
          log.info('Docker is reachable again: resuming');
          await followEvents().catch(() => {});
          await local().catch(() => {});
          await publishEvent(redis, keys, { kind: 'hosts', why: `${name} back` });
        }
        dockerWasOk = true;
      },
      () => {
        if (dockerWasOk) log.warn('Docker is unreachable');
        dockerWasOk = false;
      },
    );
  }, BEAT_MS);

  await followEvents().catch((err: Error) => log.warn(`events: ${err.message}`));
  await local().catch((err: Error) => log.warn(`first reconcile: ${err.message}`));
  stats.start();
  const reconcileTimer = setInterval(() => void local().catch((err: Error) => log.warn(`reconcile: ${err.message}`)), RECONCILE_MS);

  const worker = startAgentWorker(connectRedis(config.REDIS_URL, `gantry-agent-${name}-worker`), config.GANTRY_INSTANCE, record.id, (cmd) =>
    handleCommand({ hostId: record.id, host, images, instances, sidecars, tasks, allocs, redis, keys, log }, cmd),
  );
  worker.on('failed', (job, err) => log.error(`command ${job?.name} ${job?.id} failed: ${err.message}`));
  worker.on('error', (err) => log.error(`worker: ${err.message}`));
  log.info(`agent for ${name} (${record.dockerUrl}, address ${record.address}) ready`);

  const shutdown = async () => {
    log.info('shutting down (instances keep running)');
    shuttingDown = true;
    clearInterval(beatTimer);
    clearInterval(watchDocker);
    clearInterval(reconcileTimer);
    stats.stop();
    stopEvents?.();
    stopDestroys?.();
    netdSync.stop();
    namesSub.disconnect();
    await worker.close();
    redis.disconnect();
    process.exit(0);
  };
  onShutdown(shutdown);
}

runMain(main);
