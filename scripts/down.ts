/** npm run down: stops gantryd and with it every Gantry service. */
import { loadConfig } from '@gantry/config';
import { stopSupervisor } from '@gantry/installer';
import { step } from './lib/progress';

const config = loadConfig(process.env);
const stopped = await stopSupervisor(config);
step(stopped ? 'Gantry services stopped (apps keep running; `npm run up` resumes)' : 'Gantry services were not running');
process.exit(0);
