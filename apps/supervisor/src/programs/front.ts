/**
 * "front": the services users reach directly, in one process: the API and dashboard (web) and the
 * git receiver. A builder crash or a scheduler restart never touches them (those run in "control").
 */
import { runServices } from '@gantry/log';
import { startGit } from '@gantry/git/start';
import { startWeb } from '@gantry/web/start';

runServices([startWeb, startGit]);
