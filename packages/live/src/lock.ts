import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;

/**
 * A Redis lock with an owner token and a lease that the holder renews; a holder that dies loses
 * it when the lease runs out. The value carries a description of the holder for messages.
 */
export class Lock {
  private readonly token = randomUUID();
  private value: string | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly redis: Redis,
    readonly key: string,
    private readonly leaseMs = 30_000,
  ) {}

  /** Takes the lock if free; returns false and leaves it alone otherwise. */
  async tryAcquire(holder: string): Promise<boolean> {
    const value = `${this.token}|${holder}`;
    const ok = await this.redis.set(this.key, value, 'PX', this.leaseMs, 'NX');
    if (ok !== 'OK') return false;
    this.value = value;
    this.timer = setInterval(() => void this.renew().catch(() => {}), Math.floor(this.leaseMs / 3));
    this.timer.unref();
    return true;
  }

  /** Waits until the lock is free (polling) or the timeout passes. */
  async acquire(holder: string, timeoutMs: number, pollMs = 200): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (await this.tryAcquire(holder)) return true;
      if (Date.now() >= deadline) return false;
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }

  /** Description of the current holder, if any. */
  async holder(): Promise<string | null> {
    const v = await this.redis.get(this.key);
    return v ? v.slice(v.indexOf('|') + 1) : null;
  }

  private async renew(): Promise<void> {
    if (this.value) await this.redis.eval(RENEW, 1, this.key, this.value, String(this.leaseMs));
  }

  async release(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.value) await this.redis.eval(RELEASE, 1, this.key, this.value);
    this.value = undefined;
  }
}
