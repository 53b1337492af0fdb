/** What the test suites need before vitest starts: the stack image, the netd and add-on images and the dashboard build. */
import { loadConfig } from '@gantry/config';
import { connectDocker } from '@gantry/docker';
import { ensureAddonImages, ensureDashboardBuild, ensureNetdImage, ensureStack } from '@gantry/installer';
import { step } from './lib/progress';

const config = loadConfig(process.env);
const docker = connectDocker(config.DOCKER_HOST);
if ((await ensureStack(docker, config, (m) => step(m))) === 'built') step(`Stack image ${config.GANTRY_STACK_IMAGE} ready`);
await ensureNetdImage(docker, config, (m) => step(m));
await ensureAddonImages(docker, config, (m) => step(m));
if ((await ensureDashboardBuild()) === 'built') step('Built the dashboard');
process.exit(0);
