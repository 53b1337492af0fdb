/**
 * The scheduler: deploys releases, keeps every app at its desired formation and the routing
 * table in step with healthy instances. For now it manages the local Docker host itself.
 *
 *   queue "deploys"     ──> deployRelease (boot -> healthy -> switch traffic -> drain -> stop old)
 *   queue "maintenance" ──> cleanupApp (destroyed apps)
 *   every few seconds   ──> Reconciler.tick (reconcile(desired, actual) per app)
 *   Docker events       ──> crashed instances leave the route at once
 */
import { loadConfig } from '@gantry/config';
import { connectDb } from '@gantry/db';
import { connectDocker } from '@gantry/docker';
import { JobQueues, startWorker } from '@gantry/jobs';
import { AppLogs, BuildOutput, InstanceStore, RoutingTable, connectRedis, keysFor, startHeartbeat } from '@gantry/live';
import { createLogger } from '@gantry/log';
import { cleanupApp } from './cleanup';
import { DockerHost } from './docker-host';
import { followEvents } from './events';
import { Reconciler } from './reconciler';
import { deployRelease } from './rollout/deploy';
import { Runtime } from './runtime';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const log = createLogger('scheduler', config.GANTRY_LOG_LEVEL);
  const db = connectDb(config.DATABASE_URL);
  const redis = connectRedis(config.REDIS_URL, 'gantry-scheduler');
  const keys = keysFor(config.GANTRY_INSTANCE);
  const queues = new JobQueues(redis, config.GANTRY_INSTANCE);
  const docker = connectDocker(config.DOCKER_HOST);
  await docker.ping();
  const ctx = { db, queues, imageRepoPrefix: `gantry-${config.GANTRY_INSTANCE}` };
  const routes = new RoutingTable(redis, keys);
  const logs = new AppLogs(redis, keys.prefix);
  const host = new DockerHost(docker, { name: 'local', address: config.GANTRY_HOST_ADDRESS, installation: config.GANTRY_INSTANCE });
  const runtime = new Runtime({
    host,
    instances: new InstanceStore(redis, keys),
    routes,
    logs,
    log,
    installation: config.GANTRY_INSTANCE,
    appsDomain: config.GANTRY_APPS_DOMAIN,
    bootTimeoutMs: config.GANTRY_BOOT_TIMEOUT,
    stopTimeoutMs: config.GANTRY_STOP_TIMEOUT,
  });
  const output = new BuildOutput(redis, keys);
  const reconciler = new Reconciler({ ctx, runtime, docker, redis, keys, log });

  const workerConn = connectRedis(config.REDIS_URL, 'gantry-scheduler-worker');
  const deployer = startWorker('deploy', workerConn, config.GANTRY_INSTANCE, {
    process: async (job) => {
      log.info(`deploy of release ${job.releaseId} started`);
      await deployRelease({ config, ctx, docker, runtime, routes, output, redis, keys, log }, job);
      log.info(`deploy of release ${job.releaseId} done`);
    },
    onFailed: async (job, err) => {
      log.error(`deploy of release ${job.releaseId} failed for good: ${err.message}`);
      await db.release.updateMany({ where: { id: job.releaseId, status: { in: ['pending', 'deploying'] } }, data: { status: 'failed', statusReason: `Deploy failed: ${err.message}` } });
      if (job.notifyBuildId) await output.end(job.notifyBuildId, false, `Deploy failed: ${err.message}`);
    },
  }, { concurrency: 8, lockDuration: 60_000 });
  const cleaner = startWorker('cleanup', workerConn, config.GANTRY_INSTANCE, {
    process: (job) => cleanupApp({ config, docker, runtime, logs, log, redis, keys }, job),
  });
  for (const w of [deployer, cleaner]) w.on('error', (err) => log.error(`worker: ${err.message}`));

  const stopEvents = await followEvents(host, runtime, log, (appId) => {
    void db.app
      .findUnique({ where: { id: appId }, select: { id: true, name: true, currentReleaseId: true } })
      .then((app) => app && reconciler.reconcileApp(app))
      .catch((err: Error) => log.error(`reconcile after restart: ${err.message}`));
  });
  const loop = setInterval(() => void reconciler.tick().catch((err: Error) => log.error(`reconcile: ${err.message}`)), config.GANTRY_RECONCILE_INTERVAL);
  void reconciler.tick().catch((err: Error) => log.error(`reconcile: ${err.message}`));
  const stopHeartbeat = startHeartbeat(redis, keys, 'scheduler');
  log.info(`scheduler ready on host ${host.opts.name} (${config.GANTRY_HOST_ADDRESS})`);

  const shutdown = async () => {
    log.info('shutting down: finishing deploys in progress');
    clearInterval(loop);
    stopEvents();
    await Promise.all([deployer.close(), cleaner.close()]);
    await stopHeartbeat();
    await queues.close();
    await db.$disconnect();
    redis.disconnect();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown());
  process.once('SIGINT', () => void shutdown());
}

main().catch((err) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
