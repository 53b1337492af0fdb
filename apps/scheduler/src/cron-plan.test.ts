import { describe, expect, it } from 'vitest';
import { parseCron } from '@gantry/core';
import { MAX_RECORDED_MISSES, MAX_SCAN, planCronJob, type CronAction } from './cron-plan';

const at = (iso: string) => new Date(iso);
const show = (a: CronAction) => (a.kind === 'run' ? `run ${a.dueAt.toISOString().slice(11, 19)}` : `skip ${a.dueAt.toISOString().slice(11, 19)}: ${a.reason}`);
const created = at('2026-12-04T21:00:00.000Z');

describe('planCronJob', () => {
  it.each([
    // schedule, lastDueAt, running due time, now, actions, new lastDueAt
    ['*/10 * * * * *', null, null, '2026-12-04T21:00:05Z', [], null],
    ['*/10 * * * * *', null, null, '2026-12-04T21:00:10.020Z', ['run 21:00:10'], '21:00:10'],
    ['*/10 * * * * *', '2026-12-04T21:00:10Z', null, '2026-12-04T21:00:19.9Z', [], '21:00:10'],
    ['*/10 * * * * *', '2026-12-04T21:00:10Z', null, '2026-12-04T21:00:20Z', ['run 21:00:20'], '21:00:20'],
    // A run still going: the next due time is skipped, saying which run holds it.
    ['*/10 * * * * *', '2026-12-04T21:00:10Z', '2026-12-04T21:00:10Z', '2026-12-04T21:00:20.1Z', ['skip 21:00:20: the previous run (due 2026-12-04T21:00:10.000Z) is still running'], '21:00:20'],
    // A failover of 25 s: two due times missed, the newest runs.
    [
      '*/10 * * * * *',
      '2026-12-04T21:00:10Z',
      null,
      '2026-12-04T21:00:45Z',
      [
        'skip 21:00:20: missed: the scheduler was not running at that time (only the newest due time, 2026-12-04T21:00:40.000Z, runs)',
        'skip 21:00:30: missed: the scheduler was not running at that time (only the newest due time, 2026-12-04T21:00:40.000Z, runs)',
        'run 21:00:40',
      ],
      '21:00:40',
    ],
    // Missed and overlapping at once: everything is skipped.
    [
      '*/10 * * * * *',
      '2026-12-04T21:00:10Z',
      '2026-12-04T21:00:10Z',
      '2026-12-04T21:00:31Z',
      ['skip 21:00:20: missed: the scheduler was not running at that time (only the newest due time, 2026-12-04T21:00:30.000Z, runs)', 'skip 21:00:30: the previous run (due 2026-12-04T21:00:10.000Z) is still running'],
      '21:00:30',
    ],
  ] as const)('%s last %s running %s at %s', (schedule, last, running, now, actions, newLast) => {
    const d = planCronJob({ schedule: parseCron(schedule), lastDueAt: last ? at(last) : null, createdAt: created, runningDueAt: running ? at(running) : null }, at(now));
    expect(d.actions.map(show)).toEqual(actions);
    expect(d.lastDueAt?.toISOString().slice(11, 19) ?? null).toBe(newLast);
    expect(d.unrecordedMisses).toBe(0);
  });

  it('records the newest misses one by one and counts the rest', () => {
    const d = planCronJob({ schedule: parseCron('* * * * * *'), lastDueAt: null, createdAt: created, runningDueAt: null }, at('2026-12-04T21:01:40Z'));
    expect(d.actions).toHaveLength(MAX_RECORDED_MISSES + 1);
    expect(show(d.actions.at(-1)!)).toBe('run 21:01:40');
    expect(d.actions[0]!.dueAt.toISOString()).toBe('2026-12-04T21:01:20.000Z');
    expect(d.unrecordedMisses).toBe(100 - 1 - MAX_RECORDED_MISSES);
  });

  it('catches up after a very long outage without running, MAX_SCAN due times a tick', () => {
    const job = { schedule: parseCron('* * * * * *'), lastDueAt: null, createdAt: created, runningDueAt: null };
    const now = at('2026-12-05T21:00:00Z');
    const first = planCronJob(job, now);
    expect(first.actions.every((a) => a.kind === 'skip')).toBe(true);
    expect(first.lastDueAt!.getTime() - created.getTime()).toBe(MAX_SCAN * 1000);
    expect(first.unrecordedMisses).toBe(MAX_SCAN - MAX_RECORDED_MISSES);
    const later = planCronJob({ ...job, lastDueAt: at('2026-12-05T20:59:58Z') }, now);
    expect(later.actions.map(show)).toEqual([expect.stringMatching(/^skip 20:59:59: missed/), 'run 21:00:00']);
  });
});
