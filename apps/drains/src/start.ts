/**
 * The drains service (gantryd runs it in its "control" process; alone: apps/drains/src/main.ts).
 * Loads every app's drains from Postgres, forwards their log streams, reloads an app at once when
 * the API announces a change (drains:changed), and every 30 s anyway. Counters go to Redis every
 * 2 s (shown by `gantry drains`), liveness to the service heartbeat.
 */
import { loadConfig } from '@gantry/config';
import { cachedEgressPolicy, loadEgressPolicy } from '@gantry/control';
import { connectDb } from '@gantry/db';
import { AppLogs, connectRedis, drainKeys, keysFor, startHeartbeat } from '@gantry/live';
import { createLogger, type StopService } from '@gantry/log';
import { Forwarder } from './forwarder';
import { dbDrainSource, startStatsWriter } from './service';
import { DEFAULT_TRANSPORT_OPTIONS, transportFor } from './transports';

const FULL_SYNC_MS = 30_000;
/** How old the egress policy may be at a connect (test/e2e/helpers/egress.ts waits this long). */
const DRAINS_POLICY_MAX_AGE_MS = 2_000;

export async function startDrains(): Promise<StopService> {
  const config = loadConfig(process.env);
  const log = createLogger('drains', config.GANTRY_LOG_LEVEL);
  const db = connectDb(config.DATABASE_URL, { max: 2 });
  const redis = connectRedis(config.REDIS_URL, 'gantry-drains');
  const sub = connectRedis(config.REDIS_URL, 'gantry-drains-sub');
  const keys = keysFor(config.GANTRY_INSTANCE);
  const egress = cachedEgressPolicy(() => loadEgressPolicy(db), DRAINS_POLICY_MAX_AGE_MS);
  const forwarder = new Forwarder({
    source: dbDrainSource(db),
    logs: new AppLogs(redis, keys.prefix),
    connect: (name) => connectRedis(config.REDIS_URL, name),
    // Destinations are checked at every connect against the admin's allow list and the hosts
    // table, read at most every 2 s (an admin's change applies at the next connect after that).
    transportFor: (spec, target) => transportFor(target, spec.token, { ...DEFAULT_TRANSPORT_OPTIONS, egress }),
    log,
  });

  const channel = drainKeys(keys.prefix).changed;
  await sub.subscribe(channel);
  sub.on('message', (ch: string, appId: string) => {
    if (ch === channel) void forwarder.sync(appId).catch((err: Error) => log.error(`sync of ${appId}: ${err.message}`));
  });
  const fullSync = () => forwarder.sync().catch((err: Error) => log.error(`sync: ${err.message}`));
  await fullSync();
  const syncTimer = setInterval(() => void fullSync(), FULL_SYNC_MS);
  const stopStats = startStatsWriter(forwarder, redis, keys.prefix, log);
  const stopHeartbeat = startHeartbeat(redis, keys, 'drains', () => ({ drains: forwarder.size }));
  log.info(`drains ready: ${forwarder.size} drain(s)`);

  return async () => {
    log.info('shutting down');
    clearInterval(syncTimer);
    await sub.quit().catch(() => {});
    await forwarder.stop();
    await stopStats();
    await stopHeartbeat();
    await db.$disconnect();
    redis.disconnect();
  };
}
