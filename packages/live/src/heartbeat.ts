import type { Redis } from 'ioredis';
import type { Keys } from './keys';

/**
 * Reports that a Gantry service is alive: a key with a short expiry, refreshed every interval.
 * The API's /health reads these. Returns a stop function that also deletes the key.
 */
export function startHeartbeat(redis: Redis, keys: Keys, service: string, detail: () => object = () => ({}), intervalMs = 3000): () => Promise<void> {
  const key = keys.serviceHealth(service);
  const beat = () =>
    redis.set(key, JSON.stringify({ pid: process.pid, at: Date.now(), ...detail() }), 'PX', intervalMs * 3).catch(() => {});
  void beat();
  const timer = setInterval(beat, intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await redis.del(key).catch(() => {});
  };
}
