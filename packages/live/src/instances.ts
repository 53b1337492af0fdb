/**
 * Live state of every instance (container) of an app, written by the scheduler as it starts,
 * health-checks and stops them; read by the API for `gantry ps`.
 */
import type { Redis } from 'ioredis';
import type { Keys } from './keys';

export type InstanceState = 'starting' | 'up' | 'crashed' | 'stopping';

export interface InstanceRecord {
  /** Container name; unique per installation. */
  id: string;
  containerId: string;
  appId: string;
  releaseId: string;
  release: number;
  type: string;
  index: number;
  state: InstanceState;
  /** Docker host name and the address/port routers use. */
  host: string;
  address: string;
  port: number | null;
  startedAt: number;
  exitCode: number | null;
  message: string | null;
  /** Whether the instance may take traffic when healthy (false while a deploy has not switched). */
  routed?: boolean;
}

export class InstanceStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  async put(rec: InstanceRecord): Promise<void> {
    await this.redis.hset(this.keys.instances(rec.appId), rec.id, JSON.stringify(rec));
  }

  async update(appId: string, id: string, patch: Partial<InstanceRecord>): Promise<InstanceRecord | null> {
    const cur = await this.get(appId, id);
    if (!cur) return null;
    const next = { ...cur, ...patch };
    await this.put(next);
    return next;
  }

  async get(appId: string, id: string): Promise<InstanceRecord | null> {
    const json = await this.redis.hget(this.keys.instances(appId), id);
    return json ? (JSON.parse(json) as InstanceRecord) : null;
  }

  async remove(appId: string, id: string): Promise<void> {
    await this.redis.hdel(this.keys.instances(appId), id);
  }

  async list(appId: string): Promise<InstanceRecord[]> {
    const all = await this.redis.hgetall(this.keys.instances(appId));
    return Object.values(all)
      .map((j) => JSON.parse(j) as InstanceRecord)
      .sort((a, b) => a.type.localeCompare(b.type) || a.index - b.index || a.startedAt - b.startedAt);
  }

  async clearApp(appId: string): Promise<void> {
    await this.redis.del(this.keys.instances(appId));
  }
}
