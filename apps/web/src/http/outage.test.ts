import { describe, expect, it } from 'vitest';
import { isGantryError } from '@gantry/core';
import { asUnavailable, outageOf, refuseWritesWithoutRedis } from './outage';

const redisDown = Object.assign(new Error('Reached the max retries per request limit (which is 1).'), { name: 'MaxRetriesPerRequestError' });
const pgDown = Object.assign(new Error('\nInvalid `db.app.findMany()` invocation: ... 127.0.0.1:5432'), {
  name: 'PrismaClientKnownRequestError',
  code: 'P1001',
  meta: { driverAdapterError: Object.assign(new Error('DatabaseNotReachable'), { name: 'DriverAdapterError', cause: { kind: 'DatabaseNotReachable' } }) },
});

describe('outage mapping at the edge', () => {
  it('names the dependency', () => {
    expect(outageOf(redisDown)).toBe('Redis');
    expect(outageOf(new Error('Command timed out'))).toBe('Redis');
    expect(outageOf(pgDown)).toBe('Postgres');
    expect(outageOf(new Error('boom'))).toBeUndefined();
  });

  it('turns an outage into unavailable, without the driver text', () => {
    const read = asUnavailable(pgDown, 'GET');
    expect(isGantryError(read) && read.id).toBe('unavailable');
    expect((read as Error).message).toBe('Gantry cannot reach Postgres; try again when it is back.');
    const write = asUnavailable(redisDown, 'POST') as Error;
    expect(write.message).toMatch(/^Gantry lost Redis during this request; it may be partly done/);
    expect(write.message).not.toMatch(/retries|127\.0\.0\.1|Invalid/);
  });

  it('passes other errors through untouched', () => {
    const err = new Error('boom');
    expect(asUnavailable(err, 'GET')).toBe(err);
  });

  it('refuses changes up front while Redis is not ready, and lets reads through', () => {
    expect(() => refuseWritesWithoutRedis('POST', 'reconnecting')).toThrow('Gantry cannot reach Redis; nothing was changed.');
    expect(() => refuseWritesWithoutRedis('PATCH', 'connecting')).toThrow(/nothing was changed/);
    expect(() => refuseWritesWithoutRedis('GET', 'reconnecting')).not.toThrow();
    expect(() => refuseWritesWithoutRedis('POST', 'ready')).not.toThrow();
  });
});
