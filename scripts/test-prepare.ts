/** What the test suites need before vitest starts: the stack image and the dashboard build. */
import { loadConfig } from '@gantry/config';
import { connectDocker } from '@gantry/docker';
import { ensureDashboardBuild, ensureStack } from '@gantry/installer';
import { step } from './lib/progress';

const config = loadConfig(process.env);
if ((await ensureStack(connectDocker(config.DOCKER_HOST), config, (m) => step(m))) === 'built') step(`Stack image ${config.GANTRY_STACK_IMAGE} ready`);
if ((await ensureDashboardBuild()) === 'built') step('Built the dashboard');
process.exit(0);
