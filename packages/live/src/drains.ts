/**
 * Log drains in Redis: the channel the API publishes on when an app's drains change (the
 * forwarder, apps/drains, reloads that app at once), and the forwarder's per-drain counters.
 */
import type { Redis } from 'ioredis';

export interface DrainKeys {
  /** Pub/sub: the app id whose drains changed. */
  changed: string;
  /** Hash: drain id -> JSON DrainStats (written by the forwarder every few seconds). */
  stats: string;
}

/** `prefix` is Keys.prefix ("gantry:<instance>:"). */
export function drainKeys(prefix: string): DrainKeys {
  return { changed: `${prefix}drains:changed`, stats: `${prefix}drains:stats` };
}

export interface DrainStats {
  /** Lines handed to the collector. */
  delivered: number;
  /** Lines dropped because the drain's queue was full (the collector was slow or down). */
  dropped: number;
  /** Lines waiting in the queue. */
  queued: number;
  /** Last send error, cleared by the next success. */
  error?: string;
  /** When the forwarder wrote this (ms). */
  at: number;
}

export async function publishDrainsChanged(redis: Redis, prefix: string, appId: string): Promise<void> {
  await redis.publish(drainKeys(prefix).changed, appId);
}

/** Counters of the given drains (missing ones are absent: not forwarded yet). */
export async function readDrainStats(redis: Redis, prefix: string, ids: string[]): Promise<Map<string, DrainStats>> {
  const out = new Map<string, DrainStats>();
  if (ids.length === 0) return out;
  const rows = await redis.hmget(drainKeys(prefix).stats, ...ids);
  ids.forEach((id, i) => {
    const raw = rows[i];
    if (raw) out.set(id, JSON.parse(raw) as DrainStats);
  });
  return out;
}
