import { describe, expect, it } from 'vitest';
import { ApiError, GantryClient } from './client';

/** A fetch that fails as undici does, with `cause.code`. */
const failing = (code: string): typeof fetch => async () => {
  throw Object.assign(new TypeError('fetch failed'), { cause: { code } });
};

describe('GantryClient errors without an answer', () => {
  it('tells a response that took over 300 s (undici headersTimeout) from an unreachable API', async () => {
    const slow = new GantryClient({ baseUrl: 'http://gantry.test:3000', fetch: failing('UND_ERR_HEADERS_TIMEOUT') });
    await expect(slow.restoreBackup('postgres-shiny-1234', 'b003')).rejects.toMatchObject({
      status: 0,
      id: 'timeout',
      message: 'The Gantry API at http://gantry.test:3000 gave no answer within 5 minutes; the request may still be running there.',
    });
    const down = new GantryClient({ baseUrl: 'http://gantry.test:3000', fetch: failing('ECONNREFUSED') });
    const e = await down.captureBackup('postgres-shiny-1234').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ApiError);
    expect(e).toMatchObject({ id: 'unreachable', message: 'Cannot reach the Gantry API at http://gantry.test:3000 (ECONNREFUSED).' });
  });
});
