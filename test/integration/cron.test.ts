/**
 * Scheduled jobs against a real, fresh Postgres: control's use cases (add, list, remove, runs,
 * syncManifestCron) and the scheduler's cron ticker, with a clock of the test's own and an
 * in-memory task runner in place of the agents (the e2e test runs real containers). Two tickers
 * stand for two schedulers that both think they lead.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@gantry/config';
import { addCron, createApp, createUser, listCron, listCronRuns, removeCron, syncManifestCron, type Actor, type Ctx } from '@gantry/control';
import { connectDb, type Db } from '@gantry/db';
import { migratedDatabase } from './helpers/scratch-db';
import type { TaskResult } from '@gantry/live';
import { createLogger } from '@gantry/log';
import { CronTicker, cronTaskId } from '../../apps/scheduler/src/cron';
import type { TaskRequest } from '../../apps/scheduler/src/tasks';

/** Stands for TaskRunner + TaskStreams: start is idempotent per task id, results are set by the test. */
class FakeTasks {
  readonly started = new Map<string, TaskRequest>();
  readonly starts: string[] = [];
  readonly results = new Map<string, TaskResult>();
  down = false;
  async start(req: TaskRequest) {
    if (this.down) throw new Error('No host is up to run the task on.');
    this.starts.push(req.taskId);
    if (!this.started.has(req.taskId)) this.started.set(req.taskId, req);
    return { hostId: '00000000-0000-4000-8000-000000000001' };
  }
  async result(taskId: string) {
    return this.results.get(taskId) ?? null;
  }
  finish(taskId: string, exitCode: number, startedAt: number, finishedAt: number) {
    this.results.set(taskId, { outcome: exitCode === 0 ? 'succeeded' : 'failed', exitCode, reason: `exit code ${exitCode}`, hostId: '00000000-0000-4000-8000-000000000001', startedAt, finishedAt });
  }
}

describe('scheduled jobs (control + cron ticker, real Postgres)', () => {
  let db: Db;
  let ctx: Ctx;
  let actor: Actor;
  let appName: string;
  let appId: string;
  let clock = new Date('2026-12-04T21:00:00.000Z');
  const logged: { appId: string; line: string }[] = [];
  const logs = { append: async (appId: string, entries: { line: string }[]) => void logged.push(...entries.map((e) => ({ appId, line: e.line }))) };
  const log = createLogger('test', 'error');

  beforeAll(async () => {
    const base = loadConfig(process.env);
    const url = await migratedDatabase('gantry_it_cron');
    db = connectDb(url, { max: 4 });
    ctx = { db, queues: { add: async () => '' }, imageRepoPrefix: 'gantry-it-cron', now: () => clock };
    const user = await createUser(ctx, { email: `cron-${Date.now()}@example.test`, password: 'password-123' });
    actor = { userId: user.id, email: user.email, isAdmin: false };
    const app = await createApp(ctx, actor, {});
    appName = app.name;
    appId = app.id;
  });

  afterAll(async () => {
    await db?.$disconnect();
  });

  it('adds, lists with the next run, and removes a job; refuses bad input and other apps\' jobs', async () => {
    const { job, nextRunAt } = await addCron(ctx, actor, appName, { schedule: ' */10  * * * * ', command: ' node jobs/cleanup.js ' });
    expect(job).toMatchObject({ schedule: '*/10 * * * *', command: 'node jobs/cleanup.js', source: 'cli' });
    expect(nextRunAt?.toISOString()).toBe('2026-12-04T21:10:00.000Z');
    await expect(addCron(ctx, actor, appName, { schedule: '*/10 * * 13 *', command: 'x' })).rejects.toThrow('month field "13": 13 is out of range 1-12');
    await expect(addCron(ctx, actor, appName, { schedule: '@daily', command: '' })).rejects.toThrow('The job has no command');
    const other = await createApp(ctx, actor, {});
    await expect(removeCron(ctx, actor, other.name, job.id)).rejects.toMatchObject({ id: 'not_found' });
    await expect(removeCron(ctx, actor, appName, 'junk')).rejects.toMatchObject({ id: 'not_found' });
    expect((await listCron(ctx, actor, appName)).jobs.map((j) => j.job.id)).toEqual([job.id]);
    await removeCron(ctx, actor, appName, job.id);
    expect((await listCron(ctx, actor, appName)).jobs).toEqual([]);
    const audit = await db.auditEvent.findMany({ where: { appId, action: { startsWith: 'cron.' } }, orderBy: { createdAt: 'asc' } });
    expect(audit.map((a) => a.action)).toEqual(['cron.add', 'cron.remove']);
  });

  it('syncManifestCron replaces the app.json jobs, keeping unchanged ones and the cron:add ones', async () => {
    const mine = await addCron(ctx, actor, appName, { schedule: '@hourly', command: 'echo mine' });
    expect(await syncManifestCron(ctx, appId, [{ schedule: '@daily', command: 'echo a' }, { schedule: '@weekly', command: 'echo b' }])).toEqual({ added: 2, removed: 0, kept: 0 });
    const keptId = (await db.cronJob.findFirst({ where: { appId, command: 'echo a' } }))!.id;
    expect(await syncManifestCron(ctx, appId, [{ schedule: '@daily', command: 'echo a' }, { schedule: '@monthly', command: 'echo c' }])).toEqual({ added: 1, removed: 1, kept: 1 });
    const jobs = (await listCron(ctx, actor, appName)).jobs.map((j) => [j.job.source, j.job.schedule, j.job.command]);
    expect(jobs.sort()).toEqual([
      ['app.json', '@daily', 'echo a'],
      ['app.json', '@monthly', 'echo c'],
      ['cli', '@hourly', 'echo mine'],
    ]);
    expect((await db.cronJob.findFirst({ where: { appId, command: 'echo a' } }))!.id).toBe(keptId);
    // A bad entry changes nothing and names itself.
    await expect(syncManifestCron(ctx, appId, [{ schedule: '@daily', command: 'echo a' }, { schedule: '0 0 * * 9', command: 'x' }])).rejects.toThrow('app.json cron[1]: Bad schedule "0 0 * * 9": day-of-week field "9"');
    expect((await listCron(ctx, actor, appName)).jobs).toHaveLength(3);
    // app.json jobs are changed in app.json.
    await expect(removeCron(ctx, actor, appName, keptId)).rejects.toThrow('comes from app.json');
    await syncManifestCron(ctx, appId, []);
    await removeCron(ctx, actor, appName, mine.job.id);
    expect((await listCron(ctx, actor, appName)).jobs).toEqual([]);
  });

  it('runs each due time once with two tickers, skips overlaps and records results; an app without release fails clearly', async () => {
    const tasks = new FakeTasks();
    const a = new CronTicker({ db, tasks, streams: tasks, logs, log, now: () => clock });
    const b = new CronTicker({ db, tasks, streams: tasks, logs, log, now: () => clock });
    clock = new Date('2026-12-04T21:00:00.500Z');
    const { job } = await addCron(ctx, actor, appName, { schedule: '*/10 * * * * *', command: 'echo tick' });

    // No release yet: the due time is recorded as failed, with why.
    clock = new Date('2026-12-04T21:00:10.020Z');
    await Promise.all([a.tick(), b.tick()]);
    let runs = (await listCronRuns(ctx, actor, appName)).runs;
    expect(runs.map((r) => [r.dueAt.toISOString(), r.status, r.reason])).toEqual([['2026-12-04T21:00:10.000Z', 'failed', `${appName} has no release to run yet: deploy it first`]]);

    const release = await db.release.create({ data: { appId, version: 1, status: 'succeeded', description: 'test', imageRef: 'gantry-it-cron/x:1', config: { GREETING: 'hi' }, processTypes: {} } });
    await db.app.update({ where: { id: appId }, data: { currentReleaseId: release.id } });

    clock = new Date('2026-12-04T21:00:20.020Z');
    await Promise.all([a.tick(), b.tick(), a.tick()]);
    runs = (await listCronRuns(ctx, actor, appName)).runs;
    expect(runs[0]).toMatchObject({ status: 'running', releaseVersion: 1 });
    const taskId = cronTaskId(runs[0]!.id);
    expect([...tasks.started.keys()]).toEqual([taskId]);
    expect(tasks.started.get(taskId)).toMatchObject({ command: 'echo tick', logSource: 'cron', process: 'cron.1', release: { version: 1, launcher: 'buildpack', config: { GREETING: 'hi' } } });

    // Still running at the next due time: skipped, and said in the log.
    clock = new Date('2026-12-04T21:00:30.020Z');
    await Promise.all([a.tick(), b.tick()]);
    runs = (await listCronRuns(ctx, actor, appName)).runs;
    expect(runs[0]).toMatchObject({ status: 'skipped', reason: 'the previous run (due 2026-12-04T21:00:20.000Z) is still running' });
    expect(logged.filter((l) => l.line.startsWith('Skipped the run due 2026-12-04T21:00:30.000Z'))).toHaveLength(1);

    // It ends: the result is recorded (start, duration, exit code) and the next due time runs.
    tasks.finish(taskId, 0, Date.parse('2026-12-04T21:00:20.400Z'), Date.parse('2026-12-04T21:00:31.400Z'));
    clock = new Date('2026-12-04T21:00:40.020Z');
    await Promise.all([a.tick(), b.tick()]);
    runs = (await listCronRuns(ctx, actor, appName, { jobId: job.id })).runs;
    expect(runs.map((r) => [r.dueAt.toISOString().slice(11, 19), r.status, r.exitCode])).toEqual([
      ['21:00:40', 'running', null],
      ['21:00:30', 'skipped', null],
      ['21:00:20', 'succeeded', 0],
      ['21:00:10', 'failed', null],
    ]);
    expect(runs[2]!.finishedAt!.getTime() - runs[2]!.startedAt!.getTime()).toBe(11_000);
    expect(new Set(tasks.starts).size).toBe(2);

    // A failed run keeps its exit code and reason.
    tasks.finish(cronTaskId(runs[0]!.id), 3, Date.parse('2026-12-04T21:00:40.300Z'), Date.parse('2026-12-04T21:00:41Z'));
    clock = new Date('2026-12-04T21:00:41.020Z');
    await a.tick();
    expect((await listCronRuns(ctx, actor, appName, { jobId: job.id })).runs[0]).toMatchObject({ status: 'failed', exitCode: 3, reason: 'exit code 3' });
    await removeCron(ctx, actor, appName, job.id);
  });

  it('a run a dead leader inserted but never started is started by the next one; missed due times are recorded', async () => {
    const tasks = new FakeTasks();
    const ticker = new CronTicker({ db, tasks, streams: tasks, logs, log, now: () => clock });
    clock = new Date('2026-12-04T22:00:00.500Z');
    const { job } = await addCron(ctx, actor, appName, { schedule: '*/10 * * * * *', command: 'echo again' });
    // The dead leader's work: the row of 22:00:10 inserted, nothing started, lastDueAt not moved.
    await db.cronRun.create({ data: { jobId: job.id, appId, dueAt: new Date('2026-12-04T22:00:10Z'), status: 'running', releaseVersion: 1 } });
    clock = new Date('2026-12-04T22:00:12Z');
    await ticker.tick();
    expect(tasks.started.size).toBe(0); // the row is its own: not started twice, and not yet given up on
    clock = new Date('2026-12-04T22:00:16Z');
    await ticker.tick();
    expect(tasks.started.size).toBe(1);

    // The scheduler was away for 45 s: the newest due time runs, the others are recorded as missed.
    tasks.finish([...tasks.started.keys()][0]!, 0, Date.parse('2026-12-04T22:00:16.2Z'), Date.parse('2026-12-04T22:00:16.5Z'));
    clock = new Date('2026-12-04T22:01:00.020Z');
    await ticker.tick();
    const runs = (await listCronRuns(ctx, actor, appName, { jobId: job.id })).runs.map((r) => [r.dueAt.toISOString().slice(11, 19), r.status, r.reason?.slice(0, 7) ?? null]);
    expect(runs).toEqual([
      ['22:01:00', 'running', null],
      ['22:00:50', 'skipped', 'missed:'],
      ['22:00:40', 'skipped', 'missed:'],
      ['22:00:30', 'skipped', 'missed:'],
      ['22:00:20', 'skipped', 'missed:'],
      ['22:00:10', 'succeeded', null],
    ]);

    // No host up: the run fails with why, and the next due time is tried again.
    tasks.down = true;
    tasks.finish([...tasks.started.keys()][1]!, 0, Date.parse('2026-12-04T22:01:00.2Z'), Date.parse('2026-12-04T22:01:00.5Z'));
    clock = new Date('2026-12-04T22:01:10.020Z');
    await ticker.tick();
    expect((await listCronRuns(ctx, actor, appName, { jobId: job.id })).runs[0]).toMatchObject({ status: 'failed', reason: 'could not start: No host is up to run the task on.' });
    await removeCron(ctx, actor, appName, job.id);
  });

  it('fails a run whose host went down, so the next due time runs', async () => {
    const tasks = new FakeTasks();
    let up = true;
    const ticker = new CronTicker({ db, tasks, streams: tasks, logs, log, now: () => clock, hostsUp: async (ids) => new Set(up ? ids : []) });
    clock = new Date('2026-12-04T23:00:00.500Z');
    const { job } = await addCron(ctx, actor, appName, { schedule: '*/10 * * * * *', command: 'echo lost' });
    clock = new Date('2026-12-04T23:00:10.020Z');
    await ticker.tick();
    clock = new Date('2026-12-04T23:00:15Z');
    up = false;
    await ticker.tick();
    up = true;
    clock = new Date('2026-12-04T23:00:20.020Z');
    await ticker.tick();
    const runs = (await listCronRuns(ctx, actor, appName, { jobId: job.id })).runs.map((r) => [r.dueAt.toISOString().slice(11, 19), r.status, r.reason]);
    expect(runs).toEqual([
      ['23:00:20', 'running', null],
      ['23:00:10', 'failed', 'its host went down before it finished'],
    ]);
    expect(logged.some((l) => l.line === 'The run due 2026-12-04T23:00:10.000Z of "*/10 * * * * *" echo lost failed: its host went down before it finished')).toBe(true);
  });
});
