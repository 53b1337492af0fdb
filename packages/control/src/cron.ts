/**
 * Scheduled jobs of an app (Heroku Scheduler's jobs, Dokku's app.json `cron`): a UTC schedule
 * and a command line, run by the scheduler's cron ticker (apps/scheduler/src/cron.ts) in a
 * one-off container of the app's current release. Jobs come from `gantry cron:add` (source
 * "cli") or from app.json (source "app.json", replaced on each deploy by syncManifestCron).
 *
 * As in Dokku, an app.json job is changed by changing app.json: removing it by hand is refused
 * with a message that says so (the next deploy would bring it back anyway).
 */
import { Conflict, InvalidInput, NotFound, checkCronJob, nextAfter, parseCron, type CronSpec } from '@gantry/core';
import type { CronJob, CronRun } from '@gantry/db';
import { appFor } from './access';
import { audit } from './audit';
import type { Actor, Ctx } from './context';
import { now } from './context';

export const MAX_CRON_JOBS_PER_APP = 50;
export const MAX_CRON_RUNS_LISTED = 500;

export type CronSource = 'cli' | 'app.json';

export interface CronJobInfo {
  job: CronJob;
  /** The next time it is due (null: the schedule never comes again). */
  nextRunAt: Date | null;
  lastRun: CronRun | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The time after which a job is next due: its last due time, or now for a new job. */
const nextOf = (job: CronJob, at: Date): Date | null => {
  try {
    return nextAfter(parseCron(job.schedule), job.lastDueAt && job.lastDueAt > at ? job.lastDueAt : at);
  } catch {
    return null;
  }
};

export async function listCron(ctx: Ctx, actor: Actor, appName: string): Promise<{ app: { id: string; name: string }; jobs: CronJobInfo[] }> {
  const app = await appFor(ctx, actor, appName, 'read');
  const jobs = await ctx.db.cronJob.findMany({ where: { appId: app.id }, orderBy: { createdAt: 'asc' } });
  const t = now(ctx);
  const lasts = await Promise.all(jobs.map((j) => ctx.db.cronRun.findFirst({ where: { jobId: j.id }, orderBy: { dueAt: 'desc' } })));
  return { app, jobs: jobs.map((job, i) => ({ job, nextRunAt: nextOf(job, t), lastRun: lasts[i] ?? null })) };
}

export async function addCron(ctx: Ctx, actor: Actor, appName: string, input: { schedule: string; command: string }): Promise<CronJobInfo> {
  const app = await appFor(ctx, actor, appName, 'write');
  const { schedule, command } = checkCronJob(input);
  const count = await ctx.db.cronJob.count({ where: { appId: app.id } });
  if (count >= MAX_CRON_JOBS_PER_APP) throw new InvalidInput(`${app.name} has ${count} scheduled jobs already, the most an app may have. Remove one first (gantry cron:remove ID).`);
  const job = await ctx.db.cronJob.create({ data: { appId: app.id, schedule, command, source: 'cli', createdAt: now(ctx) } });
  await audit(ctx, actor, app, 'cron.add', job.id, { schedule, command });
  return { job, nextRunAt: nextOf(job, now(ctx)), lastRun: null };
}

/** Finds one of the app's jobs by id; anything else (another app's job, junk) is NotFound. */
async function jobOf(ctx: Ctx, appId: string, id: string): Promise<CronJob> {
  const job = UUID.test(id) ? await ctx.db.cronJob.findUnique({ where: { id: id.toLowerCase() } }) : null;
  if (!job || job.appId !== appId) throw new NotFound('Scheduled job', id);
  return job;
}

export async function removeCron(ctx: Ctx, actor: Actor, appName: string, id: string): Promise<CronJob> {
  const app = await appFor(ctx, actor, appName, 'write');
  const job = await jobOf(ctx, app.id, id);
  if (job.source === 'app.json') {
    throw new Conflict(`The job ${job.id} ("${job.schedule}" ${job.command}) comes from app.json: remove it from app.json's "cron" and deploy; the deploy replaces the app's app.json jobs.`);
  }
  // Its runs go with it (cascade); a run still going finishes in its container but is not recorded.
  await ctx.db.cronJob.delete({ where: { id: job.id } });
  await audit(ctx, actor, app, 'cron.remove', job.id, { schedule: job.schedule, command: job.command });
  return job;
}

/** Runs of the app's jobs (or of one), newest due time first. */
export async function listCronRuns(ctx: Ctx, actor: Actor, appName: string, opts: { jobId?: string; limit?: number } = {}) {
  const app = await appFor(ctx, actor, appName, 'read');
  const limit = opts.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_CRON_RUNS_LISTED) throw new InvalidInput(`"limit" must be 1 to ${MAX_CRON_RUNS_LISTED}.`);
  if (opts.jobId !== undefined) await jobOf(ctx, app.id, opts.jobId);
  const runs = await ctx.db.cronRun.findMany({
    where: { appId: app.id, ...(opts.jobId ? { jobId: opts.jobId.toLowerCase() } : {}) },
    orderBy: { dueAt: 'desc' },
    take: limit,
  });
  return { app, runs };
}

/**
 * Replaces the app's app.json jobs with `specs` (those of the release that now serves). A job
 * whose schedule and command are unchanged is kept, with its history and its place in the
 * schedule; the others are removed or created. Throws InvalidInput naming the bad entry
 * (`cron[1]`) before changing anything. Jobs added with cron:add are not touched.
 */
export async function syncManifestCron(ctx: Pick<Ctx, 'db' | 'now'>, appId: string, specs: readonly CronSpec[]): Promise<{ added: number; removed: number; kept: number }> {
  const wanted = specs.map((s, i) => checkCronJob(s, `app.json cron[${i}]`));
  if (wanted.length > MAX_CRON_JOBS_PER_APP) throw new InvalidInput(`app.json "cron" has ${wanted.length} jobs; an app may have ${MAX_CRON_JOBS_PER_APP}.`);
  const key = (j: { schedule: string; command: string }) => `${j.schedule}\n${j.command}`;
  return ctx.db.$transaction(async (tx) => {
    const existing = await tx.cronJob.findMany({ where: { appId, source: 'app.json' } });
    const want = new Map(wanted.map((w) => [key(w), w]));
    const stale = existing.filter((j) => !want.has(key(j)));
    const have = new Set(existing.filter((j) => want.has(key(j))).map(key));
    const fresh = [...want.values()].filter((w) => !have.has(key(w)));
    if (stale.length) await tx.cronJob.deleteMany({ where: { id: { in: stale.map((j) => j.id) } } });
    const at = ctx.now ? ctx.now() : new Date();
    for (const w of fresh) await tx.cronJob.create({ data: { appId, schedule: w.schedule, command: w.command, source: 'app.json', createdAt: at } });
    return { added: fresh.length, removed: stale.length, kept: have.size };
  });
}
