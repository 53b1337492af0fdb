import { describe, expect, it } from 'vitest';
import { isRedisOutage } from './redis';

describe('isRedisOutage', () => {
  it.each([
    ['command deadline', new Error('Command timed out')],
    ['retries used up', Object.assign(new Error('Reached the max retries per request limit (which is 1).'), { name: 'MaxRetriesPerRequestError' })],
    ['closed connection', new Error('Connection is closed.')],
    ['offline queue off', new Error("Stream isn't writeable and enableOfflineQueue options is false")],
  ])('%s is an outage', (_, err) => {
    expect(isRedisOutage(err)).toBe(true);
  });

  it.each([
    ['wrong type', new Error('WRONGTYPE Operation against a key holding the wrong kind of value')],
    ['script error', new Error('ERR Error running script')],
    ['a plain error', new Error('boom')],
    ['not an error', 'Command timed out'],
  ])('%s is not', (_, err) => {
    expect(isRedisOutage(err)).toBe(false);
  });
});
