/**
 * The private names table: for each app, the names of its up and healthy instances and their
 * private addresses (core's internalRecords). The scheduler writes it beside the routing table;
 * every agent keeps a copy and hands its team-scoped views to its host's netd.
 *
 *   scheduler --setApp--> HSET names + INCR names:version + PUBLISH names:changed
 *   agent     <--subscribe-- names:changed -> HGET changed apps -> netd PUT /state
 */
import type { Redis } from 'ioredis';
import type { InternalRecords } from '@gantry/core';
import type { Keys } from './keys';

export interface AppNames {
  appId: string;
  app: string;
  teamId: string;
  records: InternalRecords;
}

export interface NamesChanged {
  version: number;
  appIds: string[];
}

export class NamesTable {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  /** Sets (or with null removes) an app's names; returns the new version, or null when nothing changed. */
  async setApp(appId: string, names: AppNames | null): Promise<number | null> {
    const previous = await this.redis.hget(this.keys.names, appId);
    const next = names ? JSON.stringify(names) : null;
    if (previous === next) return null;
    const multi = this.redis.multi();
    if (next) multi.hset(this.keys.names, appId, next);
    else multi.hdel(this.keys.names, appId);
    multi.incr(this.keys.namesVersion);
    const results = await multi.exec();
    const version = Number(results?.at(-1)?.[1]);
    const message: NamesChanged = { version, appIds: [appId] };
    await this.redis.publish(this.keys.namesChanged, JSON.stringify(message));
    return version;
  }

  /** The whole table and its version, read consistently. */
  async load(): Promise<{ version: number; apps: Map<string, AppNames> }> {
    const [[, version], [, all]] = (await this.redis.multi().get(this.keys.namesVersion).hgetall(this.keys.names).exec()) as [[null, string | null], [null, Record<string, string>]];
    const apps = new Map<string, AppNames>();
    for (const [id, json] of Object.entries(all ?? {})) apps.set(id, JSON.parse(json) as AppNames);
    return { version: Number(version ?? 0), apps };
  }

  async get(appId: string): Promise<AppNames | null> {
    const json = await this.redis.hget(this.keys.names, appId);
    return json ? (JSON.parse(json) as AppNames) : null;
  }
}
