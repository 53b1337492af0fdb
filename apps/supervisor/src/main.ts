/**
 * gantryd: the process `npm run up` leaves running. It supervises every Gantry service, several
 * co-hosted per process (services.ts says which and why):
 *
 *   gantryd ─┬─ front:   web (API + dashboard), git     ─┬─ restarted on exit,
 *            ├─ control: scheduler, builder, drains      │  output in GANTRY_HOME/logs/<process>.log
 *            ├─ router                                   │
 *            └─ agent-<host> per managed host (follows the hosts registry)
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, loadConfig } from '@gantry/config';
import { createLogger } from '@gantry/log';
import { connectRedis, keysFor } from '@gantry/live';
import { manageAgents } from './agents';
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
// Set by `npm run up` (installer's startSupervisor) when the services run compiled.
const dist = process.env.GANTRY_DIST || undefined;
const supervisor = new Supervisor({ root: REPO_ROOT, logsDir: config.paths.logs, env: process.env, log, dist }, services);
supervisor.start();
log.info(`supervising ${services.map((s) => s.name).join(', ')} (${dist ? `compiled, ${dist}` : 'TypeScript through tsx'})`);
const redis = connectRedis(config.REDIS_URL, 'gantryd');
const stopAgents = await manageAgents({ redis, sub: connectRedis(config.REDIS_URL, 'gantryd-sub'), keys: keysFor(config.GANTRY_INSTANCE), supervisor, log });

const shutdown = async () => {
  log.info('stopping services');
  stopAgents();
  await supervisor.stop();
  rmSync(pidfile, { force: true });
  log.info('stopped');
  process.exit(0);
};
process.once('SIGTERM', () => void shutdown());
process.once('SIGINT', () => void shutdown());
