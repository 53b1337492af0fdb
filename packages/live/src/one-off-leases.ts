/**
 * Leases of running one-offs (`gantry run` containers). The API process relaying a session holds
 * its container's lease and renews it; the agent of the container's host removes one-offs whose
 * lease is gone, so a session whose API died (crash, restart, lost host) leaves no container
 * running for ever.
 *
 *   API (relaying) ──renew every 5 s, 15 s TTL──▶ run-lease:<container name> ◀──exists?── agent sweep
 */
import type { Redis } from 'ioredis';
import type { Keys } from './keys';

export const ONE_OFF_LEASE_MS = 15_000;
export const ONE_OFF_RENEW_MS = 5_000;

export class OneOffLeases {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  async renew(containerName: string, ttlMs = ONE_OFF_LEASE_MS): Promise<void> {
    await this.redis.set(this.keys.oneOffLease(containerName), '1', 'PX', ttlMs);
  }

  async release(containerName: string): Promise<void> {
    await this.redis.del(this.keys.oneOffLease(containerName));
  }

  /** The names among `names` whose lease is alive. */
  async alive(names: string[]): Promise<Set<string>> {
    if (names.length === 0) return new Set();
    const pipe = this.redis.pipeline();
    for (const n of names) pipe.exists(this.keys.oneOffLease(n));
    const res = (await pipe.exec()) ?? [];
    return new Set(names.filter((_, i) => res[i]?.[1] === 1));
  }

  /**
   * Holds a lease from now until the returned stop is called: renewed every `renewMs`. Renewal
   * errors (Redis blips) are left to the next renewal; the TTL is three renewals long.
   */
  async hold(containerName: string, ttlMs = ONE_OFF_LEASE_MS, renewMs = ONE_OFF_RENEW_MS): Promise<() => Promise<void>> {
    await this.renew(containerName, ttlMs);
    const timer = setInterval(() => void this.renew(containerName, ttlMs).catch(() => {}), renewMs);
    timer.unref();
    return async () => {
      clearInterval(timer);
      await this.release(containerName).catch(() => {});
    };
  }
}
