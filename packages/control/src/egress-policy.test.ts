import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, parseCidr, type EgressPolicy } from '@gantry/core';
import { cachedEgressPolicy } from './egress-policy';

const policy = (cidr: string): EgressPolicy => ({ ...DEFAULT_POLICY, allow: [parseCidr(cidr)!] });

describe('cachedEgressPolicy', () => {
  it('reloads after maxAgeMs, shares one load between concurrent callers, and keeps the last policy when a reload fails', async () => {
    let t = 0;
    let loads = 0;
    let fail = false;
    const get = cachedEgressPolicy(async () => {
      loads++;
      if (fail) throw new Error('Postgres down');
      return policy(`10.0.0.${loads}/32`);
    }, 1_000, () => t);

    const [a, b] = await Promise.all([get(), get()]);
    expect(loads).toBe(1);
    expect(a).toBe(b);
    t = 999;
    expect(await get()).toBe(a);
    t = 1_001;
    const c = await get();
    expect(loads).toBe(2);
    expect(c).not.toBe(a);

    fail = true;
    t = 3_000;
    expect(await get()).toBe(c); // stale but known, through the outage
    expect(loads).toBe(3);
    fail = false;
    expect((await get()).allow[0]).toEqual(parseCidr('10.0.0.4/32'));
  });

  it('fails when no policy was ever loaded (nothing is sent on a guess)', async () => {
    const get = cachedEgressPolicy(async () => {
      throw new Error('Postgres down');
    });
    await expect(get()).rejects.toThrow('Postgres down');
  });
});
