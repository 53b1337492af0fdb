/** The drains service alone in a process (gantryd runs it co-hosted: apps/supervisor/src/programs). */
import { runServices } from '@gantry/log';
import { startDrains } from './start';

runServices([startDrains]);
