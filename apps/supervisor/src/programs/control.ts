/**
 * "control": the services that work behind the API, in one process: the scheduler, the builder
 * (its builds run in containers; a killed process leaves its job stalled, and BullMQ hands it to
 * the process the supervisor starts again) and the log drains.
 */
import { runServices } from '@gantry/log';
import { startBuilder } from '@gantry/builder/start';
import { startDrains } from '@gantry/drains/start';
import { startScheduler } from '@gantry/scheduler/start';

runServices([startScheduler, startBuilder, startDrains]);
