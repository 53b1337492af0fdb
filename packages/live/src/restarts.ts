/**
 * Restart and stop requests (`ps:restart`, `ps:stop`): the API records which allocations a user
 * asked to restart or stop, the scheduler reads them on its next pass of the app (reconcile
 * replaces them) and drops the ones whose allocation is leaving or gone.
 */
import type { Redis } from 'ioredis';
import type { RestartMode } from '@gantry/scheduler-core';
import type { Keys } from './keys';

/** Requests outlive no allocation for long; the expiry only bounds what a lost app leaves behind. */
const TTL_S = 24 * 3600;

export class RestartRequests {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  async request(appId: string, allocIds: string[], mode: RestartMode): Promise<void> {
    if (allocIds.length === 0) return;
    const key = this.keys.restarts(appId);
    await this.redis
      .multi()
      .hset(key, ...allocIds.flatMap((id) => [id, mode]))
      .expire(key, TTL_S)
      .exec();
  }

  async ofApp(appId: string): Promise<Record<string, RestartMode>> {
    return (await this.redis.hgetall(this.keys.restarts(appId))) as Record<string, RestartMode>;
  }

  async drop(appId: string, allocIds: string[]): Promise<void> {
    if (allocIds.length) await this.redis.hdel(this.keys.restarts(appId), ...allocIds);
  }
}
