/** Failed-login counts in Redis (port AttemptCounter of @gantry/control's LoginLimiter). */
import { createHash } from 'node:crypto';
import type { AttemptCounter, Count } from '@gantry/control';
import type { Redis } from 'ioredis';

/** One key per email or IP (hashed: no addresses in key names), INCR + EXPIRE NX: a fixed window. */
export class RedisAttemptCounter implements AttemptCounter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(k: string): string {
    return `${this.prefix}login-failures:${createHash('sha256').update(k).digest('hex').slice(0, 32)}`;
  }

  async get(k: string): Promise<Count> {
    const key = this.key(k);
    const [[, count], [, ttl]] = (await this.redis.multi().get(key).ttl(key).exec()) as [[null, string | null], [null, number]];
    return { count: Number(count ?? 0), resetInSeconds: Math.max(0, ttl) };
  }

  async hit(k: string, windowSeconds: number): Promise<Count> {
    const key = this.key(k);
    const [[, count], , [, ttl]] = (await this.redis.multi().incr(key).expire(key, windowSeconds, 'NX').ttl(key).exec()) as [[null, number], unknown, [null, number]];
    return { count, resetInSeconds: Math.max(0, ttl) };
  }

  async clear(k: string): Promise<void> {
    await this.redis.del(this.key(k));
  }
}
