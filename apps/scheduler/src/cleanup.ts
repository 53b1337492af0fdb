/** Removes everything a destroyed app left behind: instances, route, images, cache, repository. */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '@gantry/config';
import type { Docker } from '@gantry/docker';
import type { AppLogs } from '@gantry/live';
import type { Logger } from '@gantry/log';
import type { Runtime } from './runtime';

export async function cleanupApp(
  deps: { config: Config; docker: Docker; runtime: Runtime; logs: AppLogs; log: Logger },
  job: { appId: string; appName: string; imageRepo: string },
): Promise<void> {
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
