import { describe, expect, it } from 'vitest';
import { RateLimited } from '@gantry/core';
import { LoginLimiter, MemoryAttemptCounter, retryAfter } from './login-limit';

function setup(limits = { perEmail: { max: 10, windowSeconds: 900 }, perIp: { max: 20, windowSeconds: 900 } }) {
  let t = 1_000_000;
  const clock = { advance: (s: number) => (t += s * 1000) };
  return { limiter: new LoginLimiter(new MemoryAttemptCounter(() => t), limits), clock };
}

async function refusal(p: Promise<void>): Promise<RateLimited | undefined> {
  try {
    await p;
    return undefined;
  } catch (err) {
    if (err instanceof RateLimited) return err;
    throw err;
  }
}

describe('retryAfter', () => {
  it.each([
    [{ count: 0, resetInSeconds: 0 }, 0],
    [{ count: 9, resetInSeconds: 100 }, 0],
    [{ count: 10, resetInSeconds: 100 }, 100],
    [{ count: 12, resetInSeconds: 0 }, 1], // never "retry in 0 s" while over
  ])('%o -> %d', (c, s) => expect(retryAfter(c, { max: 10, windowSeconds: 900 })).toBe(s));
});

describe('LoginLimiter', () => {
  const a = { email: 'Bob@Example.com', ip: '10.0.0.1' };

  it('allows 10 failures per email, refuses the 11th attempt until the window ends', async () => {
    const { limiter, clock } = setup();
    for (let i = 0; i < 10; i++) {
      expect(await refusal(limiter.check(a))).toBeUndefined();
      await limiter.failed(a);
    }
    clock.advance(60);
    const r = await refusal(limiter.check({ email: 'bob@example.com' }));
    expect(r?.retryAfterSeconds).toBe(840); // the window started at the first failure
    expect(r?.message).toMatch(/Too many failed logins: try again in 14 minutes/);
    clock.advance(839);
    expect(await refusal(limiter.check(a))).toBeDefined();
    clock.advance(1);
    expect(await refusal(limiter.check(a))).toBeUndefined();
  });

  it('counts per IP across emails', async () => {
    const { limiter } = setup();
    for (let i = 0; i < 20; i++) await limiter.failed({ email: `u${i}@example.com`, ip: '10.0.0.9' });
    expect(await refusal(limiter.check({ email: 'new@example.com', ip: '10.0.0.9' }))).toBeDefined();
    expect(await refusal(limiter.check({ email: 'new@example.com', ip: '10.0.0.10' }))).toBeUndefined();
  });

  it('clears the email count on success, not the IP count', async () => {
    const { limiter } = setup({ perEmail: { max: 3, windowSeconds: 60 }, perIp: { max: 5, windowSeconds: 60 } });
    for (let i = 0; i < 3; i++) await limiter.failed(a);
    expect(await refusal(limiter.check({ email: a.email }))).toBeDefined();
    await limiter.succeeded(a);
    expect(await refusal(limiter.check({ email: a.email }))).toBeUndefined();
    for (let i = 0; i < 2; i++) await limiter.failed(a);
    expect(await refusal(limiter.check({ email: 'other@example.com', ip: a.ip }))).toBeDefined(); // 5 from that IP
  });

  it('starts a new window after the old one', async () => {
    const { limiter, clock } = setup({ perEmail: { max: 2, windowSeconds: 60 }, perIp: { max: 100, windowSeconds: 60 } });
    await limiter.failed(a);
    clock.advance(61);
    await limiter.failed(a);
    expect(await refusal(limiter.check(a))).toBeUndefined(); // 1 in the new window
  });
});
