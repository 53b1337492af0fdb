/**
 * The build worker: takes build jobs from the queue and turns pushed source into images and
 * releases. Several can run; each takes GANTRY_BUILD_CONCURRENCY builds at a time.
 *
 *   queue "builds" ──> processBuild ──> image ──> release ──> queue "deploys"
 *   :7071 GET /images/<ref> ──> docker save, for agents of hosts that lack an image
 *   queue "maintenance" ──> cleanupApp (images, build cache, repository of destroyed apps)
 */
import { loadConfig } from '@gantry/config';
import { finishBuild } from '@gantry/control';
import { connectDb } from '@gantry/db';
import { connectDocker } from '@gantry/docker';
import { JobQueues, startWorker } from '@gantry/jobs';
import { AppLogs, BuildOutput, connectRedis, keysFor, startHeartbeat } from '@gantry/live';
import { createLogger, type StopService } from '@gantry/log';
import { cleanupApp } from './cleanup';
import { createImageServer } from './image-server';
import { processBuild } from './process-build';

export async function startBuilder(): Promise<StopService> {
  const config = loadConfig(process.env);
  const log = createLogger('builder', config.GANTRY_LOG_LEVEL);
  const db = connectDb(config.DATABASE_URL);
  const redis = connectRedis(config.REDIS_URL, 'gantry-builder');
  const keys = keysFor(config.GANTRY_INSTANCE);
  const queues = new JobQueues(redis, config.GANTRY_INSTANCE);
  const docker = connectDocker(config.DOCKER_HOST);
  await docker.ping();
  const output = new BuildOutput(redis, keys);
  await sweepOrphanBuilders(docker, config.GANTRY_INSTANCE, config.GANTRY_BUILD_TIMEOUT, log);
  const logs = new AppLogs(redis, keys.prefix, config.GANTRY_LOG_RETENTION);
  const events = { append: (appId: string, line: string) => logs.append(appId, [{ source: 'gantry' as const, process: 'build', line }]) };
  const deps = { config, ctx: { db, queues, events, imageRepoPrefix: `gantry-${config.GANTRY_INSTANCE}` }, docker, output, logs, log };

  const worker = startWorker('build', connectRedis(config.REDIS_URL, 'gantry-builder-worker'), config.GANTRY_INSTANCE, {
    process: async ({ buildId }) => {
      log.info(`build ${buildId} started`);
      await processBuild(deps, buildId);
      log.info(`build ${buildId} done`);
    },
    // A build whose job failed for good (its builders kept dying): say so to the pusher.
    onFailed: async ({ buildId }, err) => {
      log.error(`build ${buildId} failed for good: ${err.message}`);
      const message = `Build failed: the builder stopped unexpectedly (${err.message}).`;
      await finishBuild(deps.ctx, buildId, { status: 'failed', error: message, log: '' }).catch(() => {});
      await output.end(buildId, false, message);
    },
  }, {
    concurrency: config.GANTRY_BUILD_CONCURRENCY,
    // A dead builder's job is noticed (stalled: its lock not renewed) and retried within ~20 s;
    // two stalls are tolerated so a slow lock renewal under load does not fail a running build.
    lockDuration: 15_000,
    stalledInterval: 5_000,
    maxStalledCount: 2,
  });
  worker.on('error', (err) => log.error(`worker: ${err.message}`));
  const cleaner = startWorker('cleanup', connectRedis(config.REDIS_URL, 'gantry-builder-cleanup'), config.GANTRY_INSTANCE, {
    process: (job) => cleanupApp({ config, docker, logs, log }, job),
  });
  cleaner.on('error', (err) => log.error(`cleanup worker: ${err.message}`));
  const images = createImageServer({ docker, instance: config.GANTRY_INSTANCE, secret: config.GANTRY_SECRET, log });
  await new Promise<void>((r) => images.listen(config.GANTRY_IMAGES_PORT, config.GANTRY_BIND, r));
  const stopHeartbeat = startHeartbeat(redis, keys, 'builder');
  log.info(`builder ready (concurrency ${config.GANTRY_BUILD_CONCURRENCY}, limits ${config.GANTRY_BUILD_CPUS} CPUs / ${config.GANTRY_BUILD_MEMORY} bytes)`);

  const shutdown = async () => {
    log.info('shutting down: finishing builds in progress');
    images.close();
    await Promise.all([worker.close(), cleaner.close()]);
    await stopHeartbeat();
    await queues.close();
    await db.$disconnect();
    redis.disconnect();
  };
  return shutdown;
}

/** Builder containers older than any build may run were left by a builder that died: remove them. */
async function sweepOrphanBuilders(docker: ReturnType<typeof connectDocker>, instance: string, maxAgeMs: number, log: ReturnType<typeof createLogger>): Promise<void> {
  const all = await docker.listContainers({ all: true, filters: { label: [`gantry.instance=${instance}`, 'gantry.role=builder'] } });
  for (const c of all.filter((c) => Date.now() - c.Created * 1000 > maxAgeMs)) {
    log.warn(`removing orphaned builder container ${c.Id.slice(0, 12)}`);
    await docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => {});
  }
}
