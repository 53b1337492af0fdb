/**
 * What a destroyed app leaves on the build host: its images, its build cache volume and its git
 * repository. (Its instances and route are the scheduler's: its next pass finds the app gone.)
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '@gantry/config';
import type { Docker } from '@gantry/docker';
import type { AppLogs } from '@gantry/live';
import type { Logger } from '@gantry/log';

export async function cleanupApp(
  deps: { config: Config; docker: Docker; logs: AppLogs; log: Logger },
  job: { appId: string; appName: string },
): Promise<void> {
  const { docker, config } = deps;
  const label = [`gantry.app.id=${job.appId}`, `gantry.instance=${config.GANTRY_INSTANCE}`];
  // Containers of the app on this engine are the agent's to remove; images wait until they are gone.
  const images = await docker.listImages({ filters: { label } });
  for (const img of images) await docker.getImage(img.Id).remove({ force: true }).catch(() => {});
  await docker.getVolume(`gantry-${config.GANTRY_INSTANCE}-cache-${job.appId}`).remove().catch(() => {});
  await rm(join(config.paths.repos, `${job.appId}.git`), { recursive: true, force: true });
  await deps.logs.drop(job.appId);
  deps.log.info(`cleaned up destroyed app ${job.appName} (${images.length} images)`);
}
