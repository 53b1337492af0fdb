/**
 * The cron ticker: runs the apps' scheduled jobs. Acts only in the leading scheduler, about every
 * second (on the second, so a per-second job sees one due time a tick).
 *
 *   tick ─▶ finish: running CronRuns whose task has a result ─▶ succeeded / failed (or whose host is down ─▶ failed)
 *        └▶ fire: per job, cron-plan decides ─▶ skipped rows (+ a line in the app's log, source cron)
 *                                           └▶ INSERT the run (UNIQUE jobId, dueAt) ─▶ TaskRunner.start(cron-<run id>)
 *
 * Every fact lives in Postgres (runs, lastDueAt) and Redis (task streams), so a new leader goes on
 * where the old one stopped: a due time both see is inserted once (the unique key decides; the
 * loser does nothing), and a run inserted but not yet started (a leader that died in between) is
 * started by whoever sees it next: TaskRunner.start is idempotent per task id.
 */
import { parseCron, type CronSchedule } from '@gantry/core';
import type { CronJob, CronRun, Db } from '@gantry/db';
import type { AppLogs, TaskResult, TaskStreams } from '@gantry/live';
import type { Logger } from '@gantry/log';
import { describeError } from './describe-error';
import { planCronJob } from './cron-plan';
import { taskRelease, type TaskRequest, type TaskRunner } from './tasks';

/** How long a run may take before its container is stopped (the run then fails, "timed out"). */
export const CRON_RUN_TIMEOUT_MS = 60 * 60 * 1000;
/** A run not started this long after its insert (its leader died in between) is started again. */
const RESTART_AFTER_MS = 5000;
/** A run with no result this long after its timeout is given up as lost. */
const LOST_AFTER_MS = CRON_RUN_TIMEOUT_MS + 10 * 60 * 1000;

export interface CronTickerDeps {
  db: Db;
  tasks: Pick<TaskRunner, 'start'>;
  streams: Pick<TaskStreams, 'result'>;
  logs: Pick<AppLogs, 'append'>;
  log: Logger;
  now?: () => Date;
  timeoutMs?: number;
  /** Which of these hosts are up (beating, Docker reached within the grace time); none: all are. */
  hostsUp?: (hostIds: string[]) => Promise<Set<string>>;
}

type JobRow = CronJob & { app: { id: string; name: string; currentReleaseId: string | null } };

export const cronTaskId = (runId: string) => `cron-${runId}`;

/** "cron.2": the job's place among its app's jobs (oldest first), as DYNO and in the log. */
const processOf = (job: CronJob, jobs: CronJob[]) => `cron.${jobs.filter((j) => j.appId === job.appId).findIndex((j) => j.id === job.id) + 1}`;

export class CronTicker {
  private readonly schedules = new Map<string, CronSchedule | Error>();

  constructor(private readonly deps: CronTickerDeps) {}

  private now(): Date {
    return this.deps.now ? this.deps.now() : new Date();
  }

  async tick(): Promise<void> {
    await this.finish();
    await this.fire();
  }

  /** Parsed once per schedule text; a schedule that no longer parses is logged once and left alone. */
  private schedule(job: CronJob): CronSchedule | null {
    let s = this.schedules.get(job.schedule);
    if (!s) {
      try {
        s = parseCron(job.schedule);
      } catch (err) {
        s = err as Error;
        this.deps.log.error(`cron job ${job.id}: ${s.message}`);
      }
      this.schedules.set(job.schedule, s);
    }
    return s instanceof Error ? null : s;
  }

  private async fire(): Promise<void> {
    const { db } = this.deps;
    const now = this.now();
    const jobs: JobRow[] = await db.cronJob.findMany({ include: { app: { select: { id: true, name: true, currentReleaseId: true } } }, orderBy: { createdAt: 'asc' } });
    if (jobs.length === 0) return;
    const running = await db.cronRun.findMany({ where: { status: 'running' }, select: { jobId: true, dueAt: true } });
    const runningDue = new Map(running.map((r) => [r.jobId, r.dueAt]));
    for (const job of jobs) {
      const schedule = this.schedule(job);
      if (!schedule) continue;
      const plan = planCronJob({ schedule, lastDueAt: job.lastDueAt, createdAt: job.createdAt, runningDueAt: runningDue.get(job.id) ?? null }, now);
      if (plan.actions.length === 0) continue;
      const process = processOf(job, jobs);
      for (const action of plan.actions) {
        try {
          if (action.kind === 'skip') await this.skip(job, process, action.dueAt, action.reason);
          else await this.run(job, process, action.dueAt);
        } catch (err) {
          this.deps.log.error(`cron job ${job.id} due ${action.dueAt.toISOString()}: ${describeError(err)}`);
        }
      }
      if (plan.unrecordedMisses > 0) await this.logLine(job, process, `${plan.unrecordedMisses} more due times of "${job.schedule}" were missed while the scheduler was not running`);
      // Moves forward only (a deposed leader that is late cannot move it back).
      await db.cronJob.updateMany({ where: { id: job.id, OR: [{ lastDueAt: null }, { lastDueAt: { lt: plan.lastDueAt! } }] }, data: { lastDueAt: plan.lastDueAt } });
    }
  }

  /** Inserts the due time's row unless another leader did; true when this call inserted it. */
  private async insert(data: Omit<CronRun, 'id' | 'hostId' | 'startedAt' | 'exitCode'> & { exitCode?: number | null }): Promise<CronRun | null> {
    const rows = await this.deps.db.cronRun.createManyAndReturn({ data: [data], skipDuplicates: true });
    return rows[0] ?? null;
  }

  private async skip(job: JobRow, process: string, dueAt: Date, reason: string): Promise<void> {
    const row = await this.insert({ jobId: job.id, appId: job.appId, dueAt, status: 'skipped', reason, releaseVersion: null, finishedAt: this.now() });
    if (row) await this.logLine(job, process, `Skipped the run due ${dueAt.toISOString()} of "${job.schedule}" ${job.command}: ${reason}`);
  }

  private async run(job: JobRow, process: string, dueAt: Date): Promise<void> {
    const release = await this.releaseOf(job.app);
    if (!release) {
      const reason = `${job.app.name} has no release to run yet: deploy it first`;
      const row = await this.insert({ jobId: job.id, appId: job.appId, dueAt, status: 'failed', reason, releaseVersion: null, finishedAt: this.now() });
      if (row) await this.logLine(job, process, `The run due ${dueAt.toISOString()} of "${job.schedule}" ${job.command} failed: ${reason}`);
      return;
    }
    const row = await this.insert({ jobId: job.id, appId: job.appId, dueAt, status: 'running', reason: null, releaseVersion: release.version, finishedAt: null });
    if (!row) return; // another leader has it (and starts it, or the next tick's finish() does)
    await this.start(row, job, process, release);
  }

  private async releaseOf(app: JobRow['app']): Promise<TaskRequest['release'] | null> {
    if (!app.currentReleaseId) return null;
    const r = await this.deps.db.release.findUnique({ where: { id: app.currentReleaseId }, include: { build: { select: { strategy: true } } } });
    return r ? taskRelease(r) : null;
  }

  private async start(run: CronRun, job: JobRow, process: string, release: TaskRequest['release']): Promise<void> {
    try {
      const { hostId } = await this.deps.tasks.start({
        taskId: cronTaskId(run.id),
        app: { id: job.app.id, name: job.app.name },
        release,
        process,
        command: job.command,
        logSource: 'cron',
        timeoutMs: this.deps.timeoutMs ?? CRON_RUN_TIMEOUT_MS,
      });
      await this.deps.db.cronRun.updateMany({ where: { id: run.id, hostId: null }, data: { hostId } });
    } catch (err) {
      // For people (cron:runs): the message, not a stack.
      const reason = `could not start: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`;
      this.deps.log.warn(`cron run ${run.id}: ${describeError(err)}`);
      const done = await this.deps.db.cronRun.updateMany({ where: { id: run.id, status: 'running' }, data: { status: 'failed', reason, finishedAt: this.now() } });
      if (done.count) await this.logLine(job, process, `The run due ${run.dueAt.toISOString()} of "${job.schedule}" ${job.command} ${reason}`);
    }
  }

  /** Records the results of runs that ended; starts runs a dead leader inserted but never started. */
  private async finish(): Promise<void> {
    const { db, streams } = this.deps;
    const runs = await db.cronRun.findMany({ where: { status: 'running' }, include: { job: { include: { app: { select: { id: true, name: true, currentReleaseId: true } } } } } });
    const now = this.now().getTime();
    const placed = [...new Set(runs.flatMap((r) => (r.hostId ? [r.hostId] : [])))];
    const up = this.deps.hostsUp && placed.length ? await this.deps.hostsUp(placed) : new Set(placed);
    for (const run of runs) {
      try {
        const result = await streams.result(cronTaskId(run.id));
        if (result) {
          await this.record(run, result);
        } else if (run.hostId && !up.has(run.hostId)) {
          // Its agent cannot report any more: the job is free to run at its next due time.
          const done = await db.cronRun.updateMany({ where: { id: run.id, status: 'running' }, data: { status: 'failed', reason: 'its host went down before it finished', finishedAt: new Date(now) } });
          if (done.count) await this.logLine(run.job, await this.processOfRun(run.job), `The run due ${run.dueAt.toISOString()} of "${run.job.schedule}" ${run.job.command} failed: its host went down before it finished`);
        } else if (!run.hostId && now - run.dueAt.getTime() > RESTART_AFTER_MS) {
          const release = await this.releaseOfVersion(run);
          if (release) await this.start(run, run.job, await this.processOfRun(run.job), release);
        } else if (now - run.dueAt.getTime() > LOST_AFTER_MS) {
          await db.cronRun.updateMany({ where: { id: run.id, status: 'running' }, data: { status: 'failed', reason: 'lost: its host never reported a result', finishedAt: new Date(now) } });
        }
      } catch (err) {
        this.deps.log.error(`cron run ${run.id}: ${describeError(err)}`);
      }
    }
  }

  private async processOfRun(job: CronJob): Promise<string> {
    return processOf(job, await this.deps.db.cronJob.findMany({ where: { appId: job.appId }, orderBy: { createdAt: 'asc' } }));
  }

  /** The release a run was inserted for (the one current at its due time). */
  private async releaseOfVersion(run: CronRun): Promise<TaskRequest['release'] | null> {
    if (run.releaseVersion === null) return null;
    const r = await this.deps.db.release.findUnique({ where: { appId_version: { appId: run.appId, version: run.releaseVersion } }, include: { build: { select: { strategy: true } } } });
    return r ? taskRelease(r) : null;
  }

  private async record(run: CronRun, result: TaskResult): Promise<void> {
    const ok = result.outcome === 'succeeded';
    await this.deps.db.cronRun.updateMany({
      where: { id: run.id, status: 'running' },
      data: {
        status: ok ? 'succeeded' : 'failed',
        exitCode: result.exitCode,
        reason: ok ? null : result.reason,
        hostId: result.hostId || run.hostId,
        startedAt: result.startedAt === null ? null : new Date(result.startedAt),
        finishedAt: new Date(result.finishedAt),
      },
    });
  }

  private async logLine(job: CronJob, process: string, line: string): Promise<void> {
    await this.deps.logs.append(job.appId, [{ source: 'cron', process, line }]).catch((err) => this.deps.log.warn(`cron log line: ${describeError(err)}`));
  }
}

/**
 * Ticks just after each whole second while `active()` (the leader), never two at once. Returns
 * a function that stops it.
 */
export function startCronTicker(ticker: CronTicker, active: () => boolean, log: Logger): () => void {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(run, 1000 - (Date.now() % 1000) + 20);
  };
  const run = async () => {
    if (active()) {
      try {
        await ticker.tick();
      } catch (err) {
        log.error(`cron: ${describeError(err)}`);
      }
    }
    schedule();
  };
  schedule();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
