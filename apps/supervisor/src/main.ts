/**
 * gantryd: the process `npm run up` leaves running. It supervises every Gantry service.
 *
 *   gantryd ─┬─ web (API + dashboard)   ─┬─ restarted on exit, output in GANTRY_HOME/logs
 *            ├─ git                      │
 *            ├─ builder                  │
 *            ├─ scheduler                │
 *            └─ router                  ─┘
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, loadConfig } from '@gantry/config';
import { createLogger } from '@gantry/log';
import { SERVICES } from './services';
import { Supervisor } from './supervisor';

const config = loadConfig(process.env);
const log = createLogger('gantryd', config.GANTRY_LOG_LEVEL);
mkdirSync(config.paths.logs, { recursive: true });
mkdirSync(config.paths.run, { recursive: true });
const pidfile = join(config.paths.run, 'gantryd.pid');
writeFileSync(pidfile, String(process.pid));

const only = process.env.GANTRY_SERVICES?.split(',').map((s) => s.trim());
const services = only ? SERVICES.filter((s) => only.includes(s.name)) : SERVICES;
const supervisor = new Supervisor({ root: REPO_ROOT, logsDir: config.paths.logs, env: process.env, log }, services);
supervisor.start();
log.info(`supervising ${services.map((s) => s.name).join(', ')}`);

const shutdown = async () => {
  log.info('stopping services');
  await supervisor.stop();
  rmSync(pidfile, { force: true });
  log.info('stopped');
  process.exit(0);
};
process.once('SIGTERM', () => void shutdown());
process.once('SIGINT', () => void shutdown());
