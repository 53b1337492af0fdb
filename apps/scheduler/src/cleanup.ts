/** Removes everything a destroyed app left behind: instances, route, images, cache, repository. */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type { Config } from '@gantry/config';
import type { Docker } from '@gantry/docker';
import { type AppLogs, type Keys, Lock } from '@gantry/live';
import type { Logger } from '@gantry/log';
import type { Runtime } from './runtime';

export interface CleanupDeps {
  config: Config;
  docker: Docker;
  runtime: Runtime;
  logs: AppLogs;
  log: Logger;
  redis: Redis;
  keys: Keys;
}

export async function cleanupApp(deps: CleanupDeps, job: { appId: string; appName: string; imageRepo: string }): Promise<void> {
  // Wait out a deploy or reconcile pass of this app, so nothing republishes its route after us.
  const lock = new Lock(deps.redis, deps.keys.deployLock(job.appId), 60_000);
  await lock.acquire('cleanup', 5 * 60_000);
  try {
    await removeEverything(deps, job);
  } finally {
    await lock.release();
  }
}

async function removeEverything(deps: CleanupDeps, job: { appId: string; appName: string }): Promise<void> {
  const { runtime, docker, config } = deps;
  await runtime.removeRoute(job.appName);
  const containers = await runtime.deps.host.list(job.appId);
  await Promise.all(containers.map((c) => runtime.deps.host.stop(c.containerId, config.GANTRY_STOP_TIMEOUT)));
  await runtime.deps.instances.clearApp(job.appId);
  const images = await docker.listImages({ filters: { label: [`gantry.app.id=${job.appId}`, `gantry.instance=${config.GANTRY_INSTANCE}`] } });
  for (const img of images) await docker.getImage(img.Id).remove({ force: true }).catch(() => {});
  await docker.getVolume(`gantry-${config.GANTRY_INSTANCE}-cache-${job.appId}`).remove().catch(() => {});
  await rm(join(config.paths.repos, `${job.appId}.git`), { recursive: true, force: true });
  await deps.logs.drop(job.appId);
  deps.log.info(`cleaned up destroyed app ${job.appName} (${containers.length} instances, ${images.length} images)`);
}
