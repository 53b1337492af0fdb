/** The scheduler service alone in a process (gantryd runs it co-hosted: apps/supervisor/src/programs). */
import { runServices } from '@gantry/log';
import { startScheduler } from './start';

runServices([startScheduler]);
