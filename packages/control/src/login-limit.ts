/**
 * Failed-login limits: at most `max` failures per email and per client IP in a fixed window
 * (10 per email and 100 per IP in 15 minutes by default: an IP may be a whole office behind NAT).
 * Past it, logins are refused with RateLimited (HTTP 429 + Retry-After) until the window ends,
 * whether the password is right or not. A successful login clears its email's count.
 *
 *   login ─> check(email, ip) ─ over? ─> RateLimited
 *              │ ok
 *              ▼ password wrong ─> failed(): count +1 (the window starts at the first failure)
 *                password right ─> succeeded(): the email's count is cleared
 *
 * The counts live behind `AttemptCounter` (Redis in the API, memory in tests).
 */
import { RateLimited } from '@gantry/core';

export interface Window {
  max: number;
  windowSeconds: number;
}

export interface LoginLimits {
  perEmail: Window;
  perIp: Window;
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = {
  perEmail: { max: 10, windowSeconds: 15 * 60 },
  perIp: { max: 100, windowSeconds: 15 * 60 },
};

/** A count in a window: how many, and seconds until the window ends (0 when there is none). */
export interface Count {
  count: number;
  resetInSeconds: number;
}

/** Storage of the counts (port): Redis INCR + EXPIRE in production. */
export interface AttemptCounter {
  get(key: string): Promise<Count>;
  /** Adds one; the first hit starts a window of `windowSeconds`. */
  hit(key: string, windowSeconds: number): Promise<Count>;
  clear(key: string): Promise<void>;
}

export interface LoginAttempt {
  email: string;
  ip?: string;
}

/** Pure: seconds to wait, or 0 when another attempt may go ahead. */
export function retryAfter(c: Count, w: Window): number {
  return c.count >= w.max ? Math.max(1, c.resetInSeconds) : 0;
}

export class LoginLimiter {
  constructor(
    private readonly counter: AttemptCounter,
    private readonly limits: LoginLimits = DEFAULT_LOGIN_LIMITS,
  ) {}

  private keys(a: LoginAttempt): [string, Window][] {
    const keys: [string, Window][] = [[`email:${a.email.trim().toLowerCase()}`, this.limits.perEmail]];
    if (a.ip) keys.push([`ip:${a.ip}`, this.limits.perIp]);
    return keys;
  }

  /** Throws RateLimited while the email or the IP is over its limit. */
  async check(a: LoginAttempt): Promise<void> {
    let wait = 0;
    for (const [key, w] of this.keys(a)) wait = Math.max(wait, retryAfter(await this.counter.get(key), w));
    if (wait > 0) {
      const minutes = Math.ceil(wait / 60);
      throw new RateLimited(`Too many failed logins: try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`, wait);
    }
  }

  async failed(a: LoginAttempt): Promise<void> {
    for (const [key, w] of this.keys(a)) await this.counter.hit(key, w.windowSeconds);
  }

  async succeeded(a: LoginAttempt): Promise<void> {
    await this.counter.clear(this.keys(a)[0]![0]);
  }
}

/** Counts in this process's memory (tests, single-process tools). */
export class MemoryAttemptCounter implements AttemptCounter {
  private readonly counts = new Map<string, { count: number; endsAt: number }>();
  constructor(private readonly nowMs: () => number = Date.now) {}

  private live(key: string) {
    const c = this.counts.get(key);
    if (c && c.endsAt <= this.nowMs()) this.counts.delete(key);
    return this.counts.get(key);
  }

  private view(c: { count: number; endsAt: number } | undefined): Count {
    return c ? { count: c.count, resetInSeconds: Math.ceil((c.endsAt - this.nowMs()) / 1000) } : { count: 0, resetInSeconds: 0 };
  }

  async get(key: string): Promise<Count> {
    return this.view(this.live(key));
  }

  async hit(key: string, windowSeconds: number): Promise<Count> {
    const c = this.live(key) ?? { count: 0, endsAt: this.nowMs() + windowSeconds * 1000 };
    c.count++;
    this.counts.set(key, c);
    return this.view(c);
  }

  async clear(key: string): Promise<void> {
    this.counts.delete(key);
  }
}
