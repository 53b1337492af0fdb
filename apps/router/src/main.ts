/**
 * Entry point of the router: `npx tsx apps/router/src/main.ts`.
 * Reads the configuration, connects to Redis, serves until SIGTERM/SIGINT, then drains and exits 0.
 */
import { ConfigError, loadConfig } from '@gantry/config';
import { connectRedis, keysFor } from '@gantry/live';
import { createLineWriter } from './line-writer';
import { createLogger } from './log';
import { startRouter } from './server';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  // One stdout write per event-loop turn (log and access lines, in order); the rest on exit.
  const lines = createLineWriter((chunk) => void process.stdout.write(chunk));
  process.on('exit', () => lines.flush());
  const write = (line: string) => lines.write(line);
  const log = createLogger(config.GANTRY_LOG_LEVEL, write);
  const name = `gantry-router-${config.GANTRY_INSTANCE}-${process.pid}`;
  const redis = connectRedis(config.REDIS_URL, name);
  const subscriber = connectRedis(config.REDIS_URL, `${name}-sub`);

  log.info(`starting: instance ${config.GANTRY_INSTANCE}, loading the routing table from Redis`);
  const router = await startRouter({
    bind: config.GANTRY_BIND,
    port: config.GANTRY_ROUTER_PORT,
    appsDomain: config.GANTRY_APPS_DOMAIN,
    keys: keysFor(config.GANTRY_INSTANCE),
    redis,
    subscriber,
    log,
    accessLog: config.GANTRY_LOG_LEVEL === 'debug' || config.GANTRY_LOG_LEVEL === 'info' ? (line) => write(`router: ${line}\n`) : undefined,
  });
  log.info(`listening on http://${config.GANTRY_BIND}:${router.port} as ${router.id}, table version ${router.version}`);

  // Under tsx (and with supervisors that signal the whole process group) the same signal can
  // arrive twice at once: only a repeat more than a second later forces the exit.
  let stoppingSince = 0;
  const stop = (signal: NodeJS.Signals) => {
    if (stoppingSince > 0) {
      if (Date.now() - stoppingSince < 1000) return;
      log.warn(`${signal} again: exiting now`);
      process.exit(1);
    }
    stoppingSince = Date.now();
    log.info(`${signal}: stopping`);
    void router
      .close()
      .then(() => {
        // Presence is already removed; nothing else to flush, and quit() would wait for a Redis
        // that may be down.
        redis.disconnect();
        subscriber.disconnect();
        log.info('stopped');
        process.exit(0);
      });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => {
  const message = err instanceof ConfigError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.stderr.write(`router: cannot start: ${message}\n`);
  process.exit(1);
});
