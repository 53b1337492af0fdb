import { describe, expect, it } from 'vitest';
import type { CronRunView } from '@gantry/api-client';
import { buildProgram } from '../main';
import { commandLine, duration, runResult } from './cron';

describe('commandLine', () => {
  it.each([
    [['node jobs/cleanup.js && echo done'], 'node jobs/cleanup.js && echo done'],
    [['node', 'jobs/cleanup.js'], 'node jobs/cleanup.js'],
    [['sh', '-c', 'echo $GREETING; date'], "sh -c 'echo $GREETING; date'"],
    [['echo', "it's", ''], "echo 'it'\\''s' ''"],
    [['rake', 'db:cleanup', 'DAYS=30', 'user@host'], 'rake db:cleanup DAYS=30 user@host'],
    [['--', 'sh /srv/jobs/tick.sh every2'], 'sh /srv/jobs/tick.sh every2'],
    [['--', 'node', 'jobs/cleanup.js'], 'node jobs/cleanup.js'],
  ])('%j -> %s', (words, line) => {
    expect(commandLine(words)).toBe(line);
  });
});

describe('runResult', () => {
  const run = (r: Partial<CronRunView>): CronRunView => ({ id: 'r', jobId: 'j', dueAt: '', status: 'succeeded', releaseVersion: 1, startedAt: null, finishedAt: null, durationMs: null, exitCode: null, reason: null, ...r });
  it.each([
    [null, 'never run'],
    [run({ status: 'succeeded', exitCode: 0, durationMs: 1234 }), 'succeeded (exit 0, 1.2s)'],
    [run({ status: 'failed', exitCode: 3, durationMs: 61_000 }), 'failed (exit 3, 1m1s)'],
    [run({ status: 'failed', reason: 'could not start' }), 'failed'],
    [run({ status: 'skipped' }), 'skipped'],
    [run({ status: 'running' }), 'running'],
  ])('%j -> %s', (r, text) => {
    expect(runResult(r)).toBe(text);
  });
  it('formats durations', () => {
    expect([duration(null), duration(15), duration(2500)]).toEqual(['-', '15ms', '2.5s']);
  });
});

describe('gantry help', () => {
  it('lists the cron commands in their group', () => {
    const help = buildProgram().helpInformation();
    expect(help).toContain('Scheduled jobs:');
    for (const c of ['cron ', 'cron:add', 'cron:remove', 'cron:runs']) expect(help).toContain(c);
  });
});
