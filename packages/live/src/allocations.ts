/**
 * Allocations (the scheduler's placement decisions) and their states (what each host's agent
 * observes), in Redis. The scheduler writes allocations; an agent writes the states of the
 * allocations on its host. Both are keyed by allocation id.
 */
import type { Redis } from 'ioredis';
import type { Allocation, AllocationState, PlacementReport } from '@gantry/scheduler-core';
import type { Keys } from './keys';

export class AllocationStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  async put(a: Allocation): Promise<void> {
    await this.redis.multi().hset(this.keys.allocs, a.id, JSON.stringify(a)).sadd(this.keys.appAllocs(a.appId), a.id).exec();
  }

  async get(id: string): Promise<Allocation | null> {
    const json = await this.redis.hget(this.keys.allocs, id);
    return json ? (JSON.parse(json) as Allocation) : null;
  }

  async remove(a: Pick<Allocation, 'id' | 'appId'>): Promise<void> {
    await this.redis.multi().hdel(this.keys.allocs, a.id).srem(this.keys.appAllocs(a.appId), a.id).hdel(this.keys.allocStates, a.id).exec();
  }

  async ofApp(appId: string): Promise<Allocation[]> {
    const ids = await this.redis.smembers(this.keys.appAllocs(appId));
    if (ids.length === 0) return [];
    const values = await this.redis.hmget(this.keys.allocs, ...ids);
    return values.filter((v): v is string => v !== null).map((v) => JSON.parse(v) as Allocation);
  }

  async all(): Promise<Allocation[]> {
    return Object.values(await this.redis.hgetall(this.keys.allocs)).map((v) => JSON.parse(v) as Allocation);
  }

  async setState(id: string, state: AllocationState): Promise<void> {
    await this.redis.hset(this.keys.allocStates, id, JSON.stringify(state));
  }

  async states(ids: string[]): Promise<Map<string, AllocationState>> {
    const out = new Map<string, AllocationState>();
    if (ids.length === 0) return out;
    const values = await this.redis.hmget(this.keys.allocStates, ...ids);
    ids.forEach((id, i) => values[i] && out.set(id, JSON.parse(values[i]!) as AllocationState));
    return out;
  }

  /** Slots that could not be placed, with the report saying why. */
  async setPending(appId: string, pending: Record<string, PlacementReport>): Promise<void> {
    const key = this.keys.pending(appId);
    const multi = this.redis.multi().del(key);
    const entries = Object.entries(pending);
    if (entries.length) multi.hset(key, ...entries.flatMap(([slot, r]) => [slot, JSON.stringify(r)]));
    await multi.exec();
  }

  async pending(appId: string): Promise<Record<string, PlacementReport>> {
    const all = await this.redis.hgetall(this.keys.pending(appId));
    return Object.fromEntries(Object.entries(all).map(([slot, json]) => [slot, JSON.parse(json) as PlacementReport]));
  }

  async dropApp(appId: string): Promise<void> {
    const ids = await this.redis.smembers(this.keys.appAllocs(appId));
    const multi = this.redis.multi().del(this.keys.appAllocs(appId), this.keys.pending(appId));
    if (ids.length) multi.hdel(this.keys.allocs, ...ids).hdel(this.keys.allocStates, ...ids);
    await multi.exec();
  }
}
