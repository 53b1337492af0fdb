/**
 * The live view of HA add-ons' Patroni clusters: for each backing app, what gantry-ha-status last
 * printed in its etcd (leader, members, /sync) and when, or why it could not be read. The
 * scheduler's HA watcher writes it; the scheduler names the leader at <addon>.internal from it, and
 * the control plane runs backups and psql in the leader and shows the members in addons:info.
 */
import type { Redis } from 'ioredis';
import type { HaStatus } from '@gantry/core';
import type { Keys } from './keys';

export interface HaRecord {
  /** The last status read (kept when a later read fails: the leader does not change by a failed read). */
  status: HaStatus | null;
  /** When status was read (ms). */
  at: number;
  /** Why the last read failed (null when it worked). */
  error: string | null;
}

export class AddonHaStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  async get(appId: string): Promise<HaRecord | null> {
    const raw = await this.redis.hget(this.keys.addonHa, appId);
    return raw ? (JSON.parse(raw) as HaRecord) : null;
  }

  /** The elected leader ("pg1.1"), or null while there is none or nothing was read yet. */
  async leaderOf(appId: string): Promise<string | null> {
    return (await this.get(appId))?.status?.leader ?? null;
  }

  async set(appId: string, record: HaRecord): Promise<void> {
    await this.redis.hset(this.keys.addonHa, appId, JSON.stringify(record));
  }

  async remove(appId: string): Promise<void> {
    await this.redis.hdel(this.keys.addonHa, appId);
  }
}
