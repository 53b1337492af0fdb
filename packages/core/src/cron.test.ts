import { describe, expect, it } from 'vitest';
import { checkCronJob, dueTimes, nextAfter, parseCron } from './cron';

const at = (iso: string) => new Date(iso);
const next = (expr: string, after: string) => nextAfter(expr, at(after))?.toISOString() ?? null;

describe('nextAfter', () => {
  it.each([
    // expression, after, next
    ['* * * * *', '2026-12-04T21:33:14.500Z', '2026-12-04T21:34:00.000Z'],
    ['*/10 * * * *', '2026-12-04T21:33:14Z', '2026-12-04T21:40:00.000Z'],
    ['*/10 * * * *', '2026-12-04T21:40:00Z', '2026-12-04T21:50:00.000Z'],
    ['0 0 * * *', '2026-12-31T23:59:59Z', '2027-01-01T00:00:00.000Z'],
    ['30 2 * * *', '2026-12-04T21:33:14Z', '2026-12-05T02:30:00.000Z'],
    ['0 9 * * MON-FRI', '2026-12-04T21:33:14Z', '2026-12-07T09:00:00.000Z'], // Friday evening -> Monday
    ['0 9 * * 1-5', '2026-12-04T08:00:00Z', '2026-12-04T09:00:00.000Z'],
    ['0 0 * * 7', '2026-12-04T00:00:00Z', '2026-12-06T00:00:00.000Z'], // 7 is Sunday
    ['0 0 * * sun', '2026-12-04T00:00:00Z', '2026-12-06T00:00:00.000Z'],
    ['0 0 1 jan,jul *', '2026-12-04T00:00:00Z', '2027-01-01T00:00:00.000Z'],
    ['0 0 29 2 *', '2026-03-01T00:00:00Z', '2028-02-29T00:00:00.000Z'],
    ['0 0 31 * *', '2026-11-01T00:00:00Z', '2026-12-31T00:00:00.000Z'],
    // Both day fields restricted: either matches (Vixie cron). 2026-12-13 is the 13th; Friday the 4th comes first.
    ['0 0 13 * 5', '2026-12-01T00:00:00Z', '2026-12-04T00:00:00.000Z'],
    ['0 0 13 * 5', '2026-12-05T00:00:00Z', '2026-12-11T00:00:00.000Z'],
    ['5/15 * * * *', '2026-12-04T21:36:00Z', '2026-12-04T21:50:00.000Z'],
    ['1-30/10 * * * *', '2026-12-04T21:22:00Z', '2026-12-04T22:01:00.000Z'],
    ['0 22-23/2,4 * * *', '2026-12-04T21:33:14Z', '2026-12-04T22:00:00.000Z'],
    // Seconds first (6 fields).
    ['*/2 * * * * *', '2026-12-04T21:33:14.900Z', '2026-12-04T21:33:16.000Z'],
    ['*/2 * * * * *', '2026-12-04T21:33:15Z', '2026-12-04T21:33:16.000Z'],
    ['30 * * * * *', '2026-12-04T21:33:31Z', '2026-12-04T21:34:30.000Z'],
    ['@hourly', '2026-12-04T21:33:14Z', '2026-12-04T22:00:00.000Z'],
    ['@daily', '2026-12-04T21:33:14Z', '2026-12-05T00:00:00.000Z'],
    ['@weekly', '2026-12-04T21:33:14Z', '2026-12-06T00:00:00.000Z'],
    ['@monthly', '2026-12-04T21:33:14Z', '2027-01-01T00:00:00.000Z'],
    ['@yearly', '2026-12-04T21:33:14Z', '2027-01-01T00:00:00.000Z'],
    ['@every 30s', '2026-12-04T21:33:14Z', '2026-12-04T21:33:30.000Z'],
    ['@every 5m', '2026-12-04T21:33:14Z', '2026-12-04T21:35:00.000Z'],
  ])('%s after %s is %s', (expr, after, expected) => {
    expect(next(expr, after)).toBe(expected);
  });
});

describe('parseCron refuses, naming the field and the part', () => {
  it.each([
    ['61 * * * *', 'minute field "61": 61 is out of range 0-59'],
    ['0 24 * * *', 'hour field "24": 24 is out of range 0-23'],
    ['0 0 0 * *', 'day-of-month field "0": 0 is out of range 1-31'],
    ['0 0 * 13 *', 'month field "13": 13 is out of range 1-12'],
    ['0 0 * * 8', 'day-of-week field "8": 8 is out of range 0-7'],
    ['0 0 * FOO *', 'month field "FOO": "FOO" is not a value (numbers 1-12 or names JAN-DEC)'],
    ['*/0 * * * *', 'minute field "*/0": the step "0" is not a whole number above 0'],
    ['5-1 * * * *', 'minute field "5-1": the range goes backwards (5 > 1)'],
    ['1,,2 * * * *', 'minute field "1,,2": an empty item in the list'],
    ['70 * * * * *', 'second field "70": 70 is out of range 0-59'],
    ['* * *', 'it has 3 fields; a schedule has 5 fields'],
    ['* * * * * * *', 'it has 7 fields'],
    ['', 'it is empty'],
    ['@often', 'unknown @often'],
    ['@every 0s', 'the interval must be 1s to 366 days'],
    ['@every soon', '@every takes one interval'],
    ['0 0 30 2 *', 'no date ever matches it'],
    ['1-2-3 * * * *', 'a range is "low-high"'],
    ['*/5/2 * * * *', 'more than one "/"'],
  ])('%j', (expr, message) => {
    expect(() => parseCron(expr)).toThrow(message);
    try {
      parseCron(expr);
    } catch (err) {
      expect((err as { id: string }).id).toBe('invalid_input');
    }
  });
});

describe('dueTimes', () => {
  it('lists the due times in (after, until], oldest first, at most max', () => {
    const times = dueTimes('*/10 * * * * *', at('2026-12-04T21:00:00Z'), at('2026-12-04T21:01:00Z'), 100).map((d) => d.toISOString());
    expect(times).toEqual([10, 20, 30, 40, 50].map((s) => `2026-12-04T21:00:${s}.000Z`).concat('2026-12-04T21:01:00.000Z'));
    expect(dueTimes('*/10 * * * * *', at('2026-12-04T21:00:00Z'), at('2026-12-04T21:01:00Z'), 2)).toHaveLength(2);
    expect(dueTimes('@daily', at('2026-12-04T21:00:00Z'), at('2026-12-04T22:00:00Z'), 10)).toEqual([]);
  });
});

describe('checkCronJob', () => {
  it('normalises the schedule and trims the command', () => {
    expect(checkCronJob({ schedule: ' */10  *  * * * ', command: ' node jobs/cleanup.js ' })).toEqual({ schedule: '*/10 * * * *', command: 'node jobs/cleanup.js' });
  });
  it.each([
    [{ schedule: '61 * * * *', command: 'x' }, 'app.json cron[0]: Bad schedule "61 * * * *": minute field "61": 61 is out of range 0-59.'],
    [{ schedule: '* * * * *', command: '  ' }, 'app.json cron[0]: The job has no command'],
    [{ schedule: '* * * * *', command: 'a\nb' }, 'must be one line'],
    [{ schedule: '* * * * *', command: 'x'.repeat(5000) }, 'longer than 4096 bytes'],
  ])('refuses %j', (input, message) => {
    expect(() => checkCronJob(input, 'app.json cron[0]')).toThrow(message);
  });
});
