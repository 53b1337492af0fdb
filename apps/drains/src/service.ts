/** The drains service's adapters to Postgres and Redis: where drains come from, where counters go. */
import type { Redis } from 'ioredis';
import type { Db } from '@gantry/db';
import { drainKeys, type DrainStats } from '@gantry/live';
import type { Logger } from '@gantry/log';
import type { DrainSource, Forwarder } from './forwarder';

const STATS_MS = 2_000;

export function dbDrainSource(db: Db): DrainSource {
  return {
    load: async (appId) => {
      const rows = await db.logDrain.findMany({ where: appId ? { appId } : {}, include: { app: { select: { name: true } } } });
      return rows.map((d) => ({ id: d.id, appId: d.appId, appName: d.app.name, url: d.url, token: d.token }));
    },
  };
}

/** Writes each drain's counters to Redis and warns (at most every 30 s per drain) when lines are dropped. */
export function startStatsWriter(forwarder: Forwarder, redis: Redis, prefix: string, log: Logger, everyMs = STATS_MS): () => Promise<void> {
  const key = drainKeys(prefix).stats;
  let written = new Set<string>();
  const warned = new Map<string, { dropped: number; at: number }>();
  const tick = async () => {
    const now = Date.now();
    const stats = forwarder.stats();
    const fields: string[] = [];
    for (const [id, s] of stats) {
      fields.push(id, JSON.stringify({ delivered: s.delivered, dropped: s.dropped, queued: s.queued, ...(s.error ? { error: s.error } : {}), at: now } satisfies DrainStats));
      const w = warned.get(id) ?? { dropped: 0, at: 0 };
      if (s.dropped > w.dropped && now - w.at > 30_000) {
        log.warn(`drain ${id} of app ${s.appId}: ${s.dropped - w.dropped} lines dropped${s.error ? ` (${s.error})` : ''}`);
        warned.set(id, { dropped: s.dropped, at: now });
      }
    }
    const gone = [...written].filter((id) => !stats.has(id));
    if (fields.length) await redis.hset(key, ...fields);
    if (gone.length) await redis.hdel(key, ...gone);
    written = new Set(stats.keys());
  };
  const timer = setInterval(() => void tick().catch((err: Error) => log.warn(`drain stats: ${err.message}`)), everyMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await tick().catch(() => {});
  };
}
