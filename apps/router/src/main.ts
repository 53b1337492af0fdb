/**
 * Entry point of the router: `npx tsx apps/router/src/main.ts`.
 * Reads the configuration, connects to Redis, serves until SIGTERM/SIGINT, then drains and exits 0.
 * Redis unreachable at start (refused, or silent for GANTRY_ROUTER_REDIS_START_TIMEOUT): serves the
 * table and certificates saved in GANTRY_ROUTER_STATE_DIR (snapshot.ts) and catches up when Redis answers.
 */
import { ConfigError, loadConfig } from '@gantry/config';
import { AppLogs, CertStore, MetricsStore, connectRedis, keysFor } from '@gantry/live';
import { createLineWriter } from './line-writer';
import { createLogger } from './log';
import { RouterLogShipper } from './log-shipper';
import { RouterMetrics } from './metrics';
import { savedStart } from './saved-start';
import { startRouter } from './server';
import { SnapshotSaver } from './snapshot-saver';
import { SnapshotStore } from './snapshot';
import { CertContexts } from './tls';

/** Redis calls made while stopping get this long: a Redis that is down must not hold the exit. */
const STOP_FLUSH_MS = 2000;

async function main(): Promise<void> {
  const startedAt = performance.now();
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
  // The last table and certificates applied, saved on every change, served when Redis is silent at start.
  const snapshots = new SnapshotStore(config.paths.routerState, config.GANTRY_INSTANCE);
  const saver = new SnapshotSaver(snapshots, log);
  const saved = savedStart({ redis, store: snapshots, deadlineMs: config.GANTRY_ROUTER_REDIS_START_TIMEOUT, log });
  const { unreachable } = saved;
  const certs = new CertContexts({
    store: new CertStore(redis, keys),
    sub: subscriber,
    keys,
    secret: config.GANTRY_SECRET,
    log,
    onChange: (current) => saver.certsChanged(current),
  });
  const certsStarted = certs.start({ unreachable, load: async () => (await saved.load())?.certs });
  // Request lines go into each app's log stream (source "router").
  const shipper = new RouterLogShipper(new AppLogs(redis, keys.prefix, config.GANTRY_LOG_RETENTION), { log });
  // Request lines belong to the apps' log streams; the router's own log gets them only at debug.
  const toStdout = config.GANTRY_LOG_LEVEL === 'debug';
  // Requests, status classes and latency per app into the 10 s metric buckets.
  const metrics = new RouterMetrics(new MetricsStore(redis, keys), { log }).start();
  const routerStarted = startRouter({
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
    table: { saved: { unreachable, load: async () => (await saved.load())?.table }, onApplied: (current) => saver.tableChanged(current) },
  });
  const [router] = await Promise.all([routerStarted, certsStarted]);
  log.info(
    `listening on http://${config.GANTRY_BIND}:${router.port} and https://${config.GANTRY_BIND}:${router.tlsPort} (${certs.size} certificate name(s)) ` +
      `as ${router.id}, table version ${router.version}` +
      (router.servingSaved ? ', from the saved table (Redis unreachable; catching up when it answers)' : '') +
      `, ${Math.round(performance.now() - startedAt)} ms after start`,
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
      .then(() => {
        const last = Promise.all([shipper.flush(), metrics.stop()]);
        if (redis.status !== 'ready') return log.warn('at=warn code=flush_skipped desc="Redis is down: the last request lines and metrics are dropped"');
        return bounded(last, STOP_FLUSH_MS, () => log.warn('at=warn code=flush_timeout desc="Redis did not take the last request lines and metrics in time; dropped"'));
      })
      .then(() => saver.flush())
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

/** Waits for `p` at most `ms` (then calls `late`); never rejects. */
async function bounded(p: Promise<unknown>, ms: number, late: () => void): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = await Promise.race([p.then(() => false, () => false), new Promise<true>((r) => (timer = setTimeout(() => r(true), ms)))]);
  clearTimeout(timer);
  if (timedOut) late();
}

main().catch((err: unknown) => {
  const message = err instanceof ConfigError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.stderr.write(`router: cannot start: ${message}\n`);
  process.exit(1);
});
