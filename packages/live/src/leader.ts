import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Keys } from './keys';

const ACQUIRE = `
if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return redis.call('incr', KEYS[2])
end
return 0`;
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RESIGN = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/**
 * Leadership of the scheduler: one lease in Redis, renewed by its holder. Every new leader gets a
 * higher epoch, which it stamps on its commands; agents refuse commands of an older epoch, so a
 * deposed leader that has not noticed yet cannot double-place.
 */
export class LeaderLease {
  private readonly token = randomUUID();
  epoch = 0;

  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    readonly ttlMs = 6000,
  ) {}

  /** Tries to become leader; returns the new epoch, or 0 when someone else leads. */
  async tryAcquire(): Promise<number> {
    const epoch = Number(await this.redis.eval(ACQUIRE, 2, this.keys.leader, this.keys.epoch, this.token, String(this.ttlMs)));
    if (epoch > 0) this.epoch = epoch;
    return epoch;
  }

  /** Extends the lease; false means leadership was lost. */
  async renew(): Promise<boolean> {
    return Number(await this.redis.eval(RENEW, 1, this.keys.leader, this.token, String(this.ttlMs))) === 1;
  }

  async resign(): Promise<void> {
    await this.redis.eval(RESIGN, 1, this.keys.leader, this.token);
    this.epoch = 0;
  }
}
