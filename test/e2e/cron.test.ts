/**
 * Scheduled jobs end to end: the cron-app fixture (a Dockerfile app with jobs/tick.sh and two
 * app.json cron jobs) deployed with real git; jobs added with the real CLI run in one-off
 * containers of the release through the scheduler's cron ticker and the agent's task runner.
 *
 * A job with a seconds field runs and logs (source cron), with exit 0 and a duration in cron:runs,
 * and no due time runs twice; a long job's next due times are skipped, with the skip in the log; a
 * second scheduler takes over from a killed leader with no run doubled and none lost beyond the
 * documented policy (missed due times are recorded as skipped); a bad expression is refused by
 * the CLI naming the field; app.json jobs appear in `gantry cron` after a deploy, a bad schedule
 * there fails the push, and the next deploy replaces them (keeping the unchanged one).
 *
 * Prints the cron start delay (due time -> container start) as p50/p99 over the runs.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CronJobView, CronRunView, GantryClient, LogLineView } from '@gantry/api-client';
import { keysFor } from '@gantry/live';
import { launchChromium, login, shot, text } from './helpers/browser';
import { cliUser, gantryCli, type CliUser } from './helpers/cli';
import { gantry, testDb, uniqueName } from './helpers/gantry';
import { commitAll, push, repoFromFixture } from './helpers/git';
import { waitFor } from './helpers/http';
import { findService, spawnScheduler } from './helpers/processes';

const app = uniqueName('cron');
let u: CliUser;
let client: GantryClient;
let repo: string;
const delays: number[] = [];
const firstLineDelays: number[] = [];

/** `gantry COMMAND -a APP ARGS...` (-a before the arguments: after `--` it would be part of a job's command). */
const cli = ([command, ...args]: string[]) => gantryCli(u.home, [command!, '-a', app, ...args]);
const runsOf = async (job: string) => (await client.cronRuns(app, { job, limit: 500 })).sort((a, b) => a.dueAt.localeCompare(b.dueAt));
const ticks = async (tag: string) => (await client.logs(app, 1500, { source: 'cron' })).filter((l) => l.line.startsWith(`cron-tick ${tag} `));

async function addJob(schedule: string, command: string): Promise<CronJobView> {
  const added = await cli(['cron:add', schedule, '--', command]);
  expect(added.code, added.stderr).toBe(0);
  const id = /Scheduled (\S+) on/.exec(added.stderr)?.[1];
  const job = (await client.cron(app)).find((j) => j.id === id);
  expect(job, added.stderr).toBeDefined();
  expect(job!.command).toBe(command);
  return job!;
}

/**
 * Stops a job (its schedule moved to once a year, in the database: no API edits a job) and, once
 * its last run has ended, returns its runs and removes it. The runs and the log lines can then be
 * compared exactly (removing a running job would remove its runs).
 */
async function stopAndRemove(job: CronJobView): Promise<CronRunView[]> {
  await testDb().cronJob.update({ where: { id: job.id }, data: { schedule: '0 0 1 1 *' } });
  await sleep(2500); // a tick that read the old schedule may still start one more run
  const runs = await waitFor(`the last run of ${job.command} to end`, async () => {
    const rows = await runsOf(job.id);
    return rows.every((r) => r.status !== 'running') ? rows : null;
  }, 60_000, 250);
  const removed = await cli(['cron:remove', job.id]);
  expect(removed.code, removed.stderr).toBe(0);
  return runs;
}

/**
 * Start delays of the succeeded runs: due time -> the agent starting the task (CronRun.startedAt),
 * and due time -> the job's first line, stamped inside its container by tick.sh (`date +%s%3N`).
 */
function collectDelays(runs: CronRunView[], lines: LogLineView[]): void {
  const stamps = lines.map((l) => Number(l.line.split(' ')[3]));
  for (const r of runs) {
    if (r.status !== 'succeeded' || !r.startedAt || !r.finishedAt) continue;
    const due = Date.parse(r.dueAt);
    delays.push(Date.parse(r.startedAt) - due);
    const stamp = stamps.find((t) => t >= Date.parse(r.startedAt!) - 50 && t <= Date.parse(r.finishedAt!) + 50);
    if (stamp !== undefined) firstLineDelays.push(stamp - due);
  }
}

/** Every due time from the first to the last has one row, `everyMs` apart. */
function expectNoGap(runs: CronRunView[], everyMs: number): void {
  const dues = runs.map((r) => Date.parse(r.dueAt));
  expect(new Set(dues).size).toBe(dues.length);
  for (let i = 1; i < dues.length; i++) expect(dues[i]! - dues[i - 1]!, `after ${runs[i - 1]!.dueAt}`).toBe(everyMs);
}

describe('scheduled jobs (cron)', () => {
  beforeAll(async () => {
    u = await cliUser('cron');
    client = u.user.client;
    await client.createApp(app);
    repo = await repoFromFixture('cron-app');
    const pushed = await push(repo, app, u.user.token);
    expect(pushed.code, pushed.output).toBe(0);
    await client.setConfig(app, { GREETING: 'hello-cron' });
    await waitFor('v2 to be current', async () => (await client.release(app, 2)).current, 120_000);
  }, 300_000);

  afterAll(async () => {
    await client?.destroyApp(app).catch(() => {});
  });

  it('refuses a bad expression in the CLI, naming the field, before any request', async () => {
    const bad = await cli(['cron:add', '61 * * * *', '--', 'echo', 'hi']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('Bad schedule "61 * * * *": minute field "61": 61 is out of range 0-59.');
    const words = await cli(['cron:add', '* * *', '--', 'echo']);
    expect(words.stderr).toContain('it has 3 fields; a schedule has 5 fields');
    const names = await cli(['cron:add', '0 9 * * MON-FRY', '--', 'echo']);
    expect(names.stderr).toContain('day-of-week field "MON-FRY": "FRY" is not a value (numbers 0-7 or names SUN-SAT)');
    // The API says the same to a client that skips the CLI.
    await expect(client.addCron(app, '0 24 * * *', 'echo')).rejects.toMatchObject({ status: 422, message: expect.stringContaining('hour field "24": 24 is out of range 0-23') });
    expect((await client.cron(app)).filter((j) => j.source === 'cli')).toEqual([]);
  });

  it('runs a job with a seconds field in a container of the release, logs its output (source cron), and runs no due time twice', async () => {
    const job = await addJob('*/2 * * * * *', 'sh /srv/jobs/tick.sh every2');
    expect(job).toMatchObject({ schedule: '*/2 * * * * *', source: 'cli', lastRun: null });
    expect(Date.parse(job.nextRunAt!) % 2000).toBe(0);

    await waitFor('12 runs', async () => (await runsOf(job.id)).filter((r) => r.status === 'succeeded').length >= 12, 90_000, 500);
    // Every 2 s a new run starts: the last result shown may be "running" at that moment.
    const listed = await waitFor('cron to list the last result as succeeded', async () => {
      const r = await cli(['cron']);
      return /succeeded \(exit 0, [\d.]+m?s\)/.test(r.stdout) ? r : null;
    }, 20_000, 300);
    expect(listed.stdout).toContain('*/2 * * * * *');

    const runs = await stopAndRemove(job);
    expectNoGap(runs, 2000);
    const succeeded = runs.filter((r) => r.status === 'succeeded');
    for (const r of succeeded) {
      expect(r.exitCode).toBe(0);
      expect(r.releaseVersion).toBe(2);
      expect(r.durationMs).toBeGreaterThanOrEqual(0);
    }
    // Each run is one container that printed one tick: as many ticks as runs, none doubled.
    const lines = await ticks('every2');
    collectDelays(runs, lines);
    expect(lines).toHaveLength(succeeded.length);
    expect(new Set(lines.map((l) => l.line.split(' ')[2])).size).toBe(succeeded.length);
    expect(lines[0]!.line).toMatch(/greeting=hello-cron dyno=cron\.\d+$/);
    expect(lines[0]!.process).toMatch(/^cron\.\d+$/);

    const history = await cli(['cron:runs', '--job', job.id]);
    expect(history.code, history.stderr).toBe(1); // the job is gone
    expect(history.stderr).toContain('not found');
    const logs = await cli(['logs', '--source', 'cron', '-n', '200']);
    expect(logs.stdout).toMatch(/cron\[cron\.\d+\]: cron-tick every2 /);
  });

  it('skips a due time while the previous run still goes, and says so in the log', async () => {
    const job = await addJob('*/3 * * * * *', 'sh /srv/jobs/tick.sh long 7');
    const runs = await waitFor(
      'a skipped due time and the run after it',
      async () => {
        const rows = await runsOf(job.id);
        return rows.some((r) => r.status === 'skipped') && rows.filter((r) => r.status === 'succeeded').length >= 2 ? rows : null;
      },
      90_000,
      500,
    );

    // The dashboard's Scheduler tab shows the job and its runs, the skip with its reason.
    const browser = await launchChromium();
    try {
      const page = await login(await browser.newContext(), u.user, `/apps/${app}/cron`);
      await page.locator('[data-testid="cron-runs"] tr[data-status="skipped"]').first().waitFor({ timeout: 15_000 });
      expect(await text(page, 'cron-jobs')).toContain('*/3 * * * * *');
      expect(await text(page, 'cron-jobs')).toContain('sh /srv/jobs/tick.sh long 7');
      expect(await text(page, 'cron-runs')).toContain('is still running');
      expect(await page.locator('[data-testid="cron-runs"] tr[data-status="succeeded"]').count()).toBeGreaterThan(0);
      await shot(page, 'cron');
    } finally {
      await browser.close();
    }

    const table = await cli(['cron:runs', '-n', '50']);
    expect(table.stdout).toMatch(/skipped +the previous run \(due \S+\) is still running/);
    expect(table.stdout).toMatch(/succeeded/);

    await cli(['cron:remove', job.id]);
    const skipped = runs.filter((r) => r.status === 'skipped');
    expect(skipped[0]!.reason).toMatch(/^the previous run \(due \S+\) is still running$/);
    // Never two runs at once.
    const done = runs.filter((r) => r.status === 'succeeded');
    for (let i = 1; i < done.length; i++) expect(Date.parse(done[i]!.startedAt!)).toBeGreaterThanOrEqual(Date.parse(done[i - 1]!.finishedAt!));
    expect(done[0]!.durationMs).toBeGreaterThan(6500);
    const log = await client.logs(app, 1500, { source: 'cron' });
    expect(log.some((l) => l.line.startsWith(`Skipped the run due ${skipped[0]!.dueAt} of "*/3 * * * * *" sh /srv/jobs/tick.sh long 7: the previous run`))).toBe(true);
  });

  it('goes on after the leading scheduler is killed: no due time runs twice, missed ones are recorded as skipped', async () => {
    const redis = new Redis(gantry().redisUrl);
    const leaderKey = keysFor(gantry().instance).leader;
    const second = spawnScheduler(gantry().env);
    try {
      const before = await redis.get(leaderKey);
      expect(before, 'the supervised scheduler leads').toBeTruthy();
      const job = await addJob('*/2 * * * * *', 'sh /srv/jobs/tick.sh failover');
      await waitFor('3 runs before the failover', async () => (await runsOf(job.id)).filter((r) => r.status === 'succeeded').length >= 3, 60_000, 500);

      const leader = await findService(gantry().instance, 'scheduler');
      expect(leader, 'the supervised scheduler process').toBeDefined();
      const killedAt = Date.now();
      process.kill(leader!.pid, 'SIGKILL');
      await waitFor('a new leader', async () => {
        const now = await redis.get(leaderKey);
        return now !== null && now !== before;
      }, 30_000, 100);
      const tookOverMs = Date.now() - killedAt;
      await waitFor('4 runs after the failover', async () => (await runsOf(job.id)).filter((r) => r.status === 'succeeded' && Date.parse(r.dueAt) > killedAt + tookOverMs).length >= 4, 60_000, 500);

      const runs = await stopAndRemove(job);
      expectNoGap(runs, 2000);
      const succeeded = runs.filter((r) => r.status === 'succeeded');
      const skipped = runs.filter((r) => r.status === 'skipped');
      for (const r of skipped) expect(r.reason).toMatch(/^missed: the scheduler was not running at that time|^the previous run/);
      expect(runs.filter((r) => r.status === 'failed')).toEqual([]);
      const lines = await ticks('failover');
      collectDelays(runs.filter((r) => Date.parse(r.dueAt) > killedAt + tookOverMs), lines);
      expect(lines).toHaveLength(succeeded.length);
      expect(new Set(lines.map((l) => l.line.split(' ')[2])).size).toBe(succeeded.length);
      console.log(`[cron] leader SIGKILL: a new leader after ${(tookOverMs / 1000).toFixed(1)} s; ${runs.length} due times: ${succeeded.length} ran once each, ${skipped.length} recorded as skipped (missed), none doubled`);
    } finally {
      second.kill('SIGTERM');
      redis.disconnect();
    }
  });

  it('lists the app.json jobs after a deploy, and refuses to remove them by hand', async () => {
    const jobs = await waitFor('the app.json jobs', async () => {
      const list = (await client.cron(app)).filter((j) => j.source === 'app.json');
      return list.length === 2 ? list : null;
    });
    expect(jobs.map((j) => [j.schedule, j.command])).toEqual([
      ['@daily', 'sh /srv/jobs/tick.sh nightly'],
      ['0 3 * * MON', 'sh /srv/jobs/tick.sh weekly'],
    ]);
    const listed = await cli(['cron']);
    expect(listed.stdout).toMatch(/@daily +sh \/srv\/jobs\/tick.sh nightly +app\.json/);
    const refused = await cli(['cron:remove', jobs[0]!.id]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('comes from app.json: remove it from app.json\'s "cron" and deploy');

    // A bad schedule in app.json fails the push, naming the entry and the field; the jobs stay.
    await writeFile(join(repo, 'app.json'), JSON.stringify({ cron: [{ command: 'sh /srv/jobs/tick.sh nightly', schedule: '0 0 * * 8' }] }));
    await commitAll(repo, 'a bad schedule');
    const bad = await push(repo, app, u.user.token);
    expect(bad.code).not.toBe(0);
    expect(bad.output).toContain('app.json "cron[0]": Bad schedule "0 0 * * 8": day-of-week field "8": 8 is out of range 0-7.');
    expect((await client.cron(app)).filter((j) => j.source === 'app.json')).toHaveLength(2);

    // A deploy replaces them: one kept (with its id), one removed, one added.
    await writeFile(join(repo, 'app.json'), JSON.stringify({ cron: [{ command: 'sh /srv/jobs/tick.sh nightly', schedule: '@daily' }, { command: 'sh /srv/jobs/tick.sh hourly', schedule: '@hourly' }] }));
    await commitAll(repo, 'cron: nightly and hourly');
    const good = await push(repo, app, u.user.token);
    expect(good.code, good.output).toBe(0);
    const after = await waitFor('the new app.json jobs', async () => {
      const list = (await client.cron(app)).filter((j) => j.source === 'app.json');
      return list.some((j) => j.schedule === '@hourly') && list.length === 2 ? list : null;
    });
    expect(after.map((j) => [j.schedule, j.command])).toEqual([
      ['@daily', 'sh /srv/jobs/tick.sh nightly'],
      ['@hourly', 'sh /srv/jobs/tick.sh hourly'],
    ]);
    expect(after[0]!.id).toBe(jobs[0]!.id);
  });

  afterAll(() => {
    const show = (what: string, values: number[]) => {
      if (values.length === 0) return;
      const sorted = [...values].sort((a, b) => a - b);
      const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
      console.log(`[cron] start delay, ${what}, over ${sorted.length} runs: p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${sorted.at(-1)} ms`);
    };
    show('due time -> task started by the agent', delays);
    show('due time -> first line of the job in its container', firstLineDelays);
  });
});
