/** The builder service alone in a process (gantryd runs it co-hosted: apps/supervisor/src/programs). */
import { runServices } from '@gantry/log';
import { startBuilder } from './start';

runServices([startBuilder]);
