import { describe, expect, it } from 'vitest';
import { formatSleepAfter, holdsRequests, parseSleepAfter, shouldSleep, type SleepState } from './sleep';

describe('parseSleepAfter', () => {
  it.each([
    ['30m', 1800],
    ['2h', 7200],
    ['1d', 86_400],
    ['90s', 90],
    [' 5M ', 300],
    [3600, 3600],
  ])('%j -> %d s', (input, seconds) => expect(parseSleepAfter(input)).toBe(seconds));

  it.each([['30'], ['abc'], ['1.5h'], ['-5m'], [''], [null], [12.5], [{}]])('refuses %j with the accepted form', (input) => {
    expect(() => parseSleepAfter(input)).toThrow(/duration like 30m/);
  });

  it.each([['59s'], ['31d'], [0]])('refuses %j outside [1m, 30d]', (input) => {
    expect(() => parseSleepAfter(input)).toThrow(/between 1m and 30d/);
  });
});

describe('formatSleepAfter', () => {
  it.each([
    [1800, '30m'],
    [7200, '2h'],
    [86_400, '1d'],
    [90, '90s'],
    [5400, '90m'],
  ])('%d -> %s', (s, text) => expect(formatSleepAfter(s)).toBe(text));
});

describe('shouldSleep', () => {
  const now = Date.parse('2026-12-05T12:00:00Z');
  const min = 60_000;
  const state = (o: Partial<SleepState> = {}): SleepState => ({ sleepAfter: 1800, sleepingSince: null, awakeSince: new Date(now - 60 * min), quantity: 1, ...o });

  it.each<[string, Partial<SleepState>, number | null, boolean]>([
    ['idle for longer than sleepAfter', {}, now - 31 * min, true],
    ['idle exactly sleepAfter', {}, now - 30 * min, true],
    ['a request within sleepAfter', {}, now - 29 * min, false],
    ['never sleeps (no sleepAfter)', { sleepAfter: null }, now - 120 * min, false],
    ['already asleep', { sleepingSince: new Date(now - min) }, now - 120 * min, false],
    ['scaled to zero by hand', { quantity: 0 }, now - 120 * min, false],
    ['woken recently, last request long ago', { awakeSince: new Date(now - 5 * min) }, now - 120 * min, false],
    ['no request recorded: counts from awakeSince', { awakeSince: new Date(now - 31 * min) }, null, true],
    ['no request recorded, woken recently', { awakeSince: new Date(now - min) }, null, false],
    ['nothing known', { awakeSince: null }, null, false],
  ])('%s -> %s', (_name, o, lastRequest, expected) => {
    expect(shouldSleep(state(o), lastRequest, now)).toBe(expected);
  });
});

describe('holdsRequests', () => {
  const now = 1_000_000;
  it.each<[string, Parameters<typeof holdsRequests>[0], boolean]>([
    ['no sleep options', undefined, false],
    ['asleep', { asleep: true, wokeAt: null, wakeTimeoutMs: 30_000 }, true],
    ['woken 10 s ago, timeout 30 s', { asleep: false, wokeAt: now - 10_000, wakeTimeoutMs: 30_000 }, true],
    ['woken 30 s ago, timeout 30 s: down, not waking', { asleep: false, wokeAt: now - 30_000, wakeTimeoutMs: 30_000 }, false],
    ['awake, never woken', { asleep: false, wokeAt: null, wakeTimeoutMs: 30_000 }, false],
  ])('%s -> %s', (_name, sleep, expected) => expect(holdsRequests(sleep, now)).toBe(expected));
});
