/**
 * Entry point of the router: `npx tsx apps/router/src/main.ts`.
 * Reads the configuration, connects to Redis, serves until SIGTERM/SIGINT, then drains and exits 0.
 */
import { ConfigError, loadConfig } from '@gantry/config';
import { AppLogs, CertStore, MetricsStore, connectRedis, keysFor } from '@gantry/live';
import { createLineWriter } from './line-writer';
import { createLogger } from './log';
import { RouterLogShipper } from './log-shipper';
import { RouterMetrics } from './metrics';
import { startRouter } from './server';
import { CertContexts } from './tls';

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

  const keys = keysFor(config.GANTRY_INSTANCE);
  log.info(`starting: instance ${config.GANTRY_INSTANCE}, loading the routing table and certificates from Redis`);
  const certs = new CertContexts({ store: new CertStore(redis, keys), sub: subscriber, keys, secret: config.GANTRY_SECRET, log });
  await certs.start();
  // Request lines go into each app's log stream (source "router").
  const shipper = new RouterLogShipper(new AppLogs(redis, keys.prefix, config.GANTRY_LOG_RETENTION));
  // Request lines belong to the apps' log streams; the router's own log gets them only at debug.
  const toStdout = config.GANTRY_LOG_LEVEL === 'debug';
  // Requests, status classes and latency per app into the 10 s metric buckets.
  const metrics = new RouterMetrics(new MetricsStore(redis, keys)).start();
  const router = await startRouter({
    bind: config.GANTRY_BIND,
    port: config.GANTRY_ROUTER_PORT,
    appsDomain: config.GANTRY_APPS_DOMAIN,
    keys,
    redis,
    subscriber,
    log,
    accessLog: (line, appId) => {
      if (appId !== undefined) shipper.ship(appId, line);
      if (toStdout) write(`router: ${line}\n`);
    },
    limits: { maxBodyBytes: config.GANTRY_ROUTER_MAX_BODY },
    metrics,
    tls: { port: config.GANTRY_ROUTER_TLS_PORT, sniCallback: certs.sniCallback, publicPort: config.GANTRY_APPS_TLS_PUBLIC_PORT },
  });
  log.info(
    `listening on http://${config.GANTRY_BIND}:${router.port} and https://${config.GANTRY_BIND}:${router.tlsPort} (${certs.size} certificate name(s)) ` +
      `as ${router.id}, table version ${router.version}`,
  );

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
      .then(() => Promise.all([shipper.flush(), metrics.stop()]))
      .then(() => {
        certs.stop();
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
