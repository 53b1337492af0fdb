/** The web service alone in a process (gantryd runs it co-hosted: apps/supervisor/src/programs). */
import { runServices } from '@gantry/log';
import { startWeb } from './start';

runServices([startWeb]);
