/**
 * bench:footprint's readiness watcher (the adapter of footprint-start.ts): every 100 ms, the
 * signs the installation's /health reads (the heartbeats, the routers' presence, the hosts'
 * beats, in Redis), with the pid and time each carries, and whether the API answers at all
 * (asked until its first answer only: /health queries Postgres and Redis, and a poll every 100 ms
 * for the whole start would add load to the start being measured).
 */
import type { Redis } from 'ioredis';
import type { Config } from '@gantry/config';
import { keysFor, type HostBeat, type RouterPresence } from '@gantry/live';
import { HEARTBEAT_SERVICES } from '../../apps/web/src/api/routes/health';
import type { Signal } from './footprint-start';

const POLL_MS = 100;

async function poll(config: Config, redis: Redis, askApi: boolean): Promise<Signal[]> {
  const keys = keysFor(config.GANTRY_INSTANCE);
  const out: Signal[] = [];
  const api = !askApi
    ? Promise.resolve()
    : fetch(`http://127.0.0.1:${config.GANTRY_API_PORT}/api/v1/health`, { signal: AbortSignal.timeout(1000) })
        .then(async (res) => {
          await res.arrayBuffer();
          out.push({ part: 'web', at: Date.now() });
        })
        .catch(() => {});
  const beats = await redis.mget(...HEARTBEAT_SERVICES.map((s) => keys.serviceHealth(s)));
  beats.forEach((json, i) => json && out.push(pidAt(HEARTBEAT_SERVICES[i]!, JSON.parse(json) as { pid: number; at: number })));
  for (const json of Object.values(await redis.hgetall(keys.routers))) out.push(pidAt('router', JSON.parse(json) as RouterPresence));
  const hostIds = await redis.hkeys(keys.hosts);
  if (hostIds.length) {
    for (const json of await redis.mget(...hostIds.map((id) => keys.hostBeat(id)))) {
      const beat = json ? (JSON.parse(json) as HostBeat) : null;
      if (beat?.dockerOk) out.push(pidAt('agent', beat));
    }
  }
  await api;
  return out;
}

const pidAt = (part: string, x: { pid?: number; at: number }): Signal => ({ part, pid: x.pid, at: x.at });

/** Starts watching; `stop` ends it and returns every signal seen. */
export function watchReadiness(config: Config, redis: Redis): { stop: () => Promise<Signal[]> } {
  const signals: Signal[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const t = Date.now();
      const askApi = !signals.some((s) => s.part === 'web');
      signals.push(...(await poll(config, redis, askApi).catch(() => [])));
      await new Promise((r) => setTimeout(r, Math.max(0, POLL_MS - (Date.now() - t))));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return signals;
    },
  };
}
