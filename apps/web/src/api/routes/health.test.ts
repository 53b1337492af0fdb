import { describe, expect, it } from 'vitest';
import { check } from './health';

describe('health check', () => {
  it('counts a check that does not answer in time as down, within its deadline', async () => {
    const t = Date.now();
    const result = await check(() => new Promise(() => {}), 200);
    expect(Date.now() - t).toBeLessThan(1000);
    expect(result).toEqual({ ok: false, detail: 'no answer within 0.2 s' });
  });

  it('names an outage without the driver text', async () => {
    const err = Object.assign(new Error('Reached the max retries per request limit (which is 1). Refer to "maxRetriesPerRequest"'), { name: 'MaxRetriesPerRequestError' });
    expect(await check(() => Promise.reject(err))).toEqual({ ok: false, detail: 'Redis unreachable' });
  });

  it('hides other errors', async () => {
    expect(await check(() => Promise.reject(new Error('connect ECONNREFUSED 10.1.2.3:5432')))).toEqual({ ok: false, detail: 'check failed' });
  });

  it('passes on a detail of a check that succeeded', async () => {
    expect(await check(async () => '2 live')).toEqual({ ok: true, detail: '2 live' });
  });
});
