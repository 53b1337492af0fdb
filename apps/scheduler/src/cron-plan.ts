/**
 * What the cron ticker does with one job at one moment (pure: no clock, no database).
 *
 * Policy, for the due times since the job's last one (lastDueAt, or its creation):
 *  - Only the newest due time may run. Older ones were missed (the scheduler was down, or a
 *    failover took longer than the interval): they are recorded as skipped, the newest
 *    MAX_RECORDED_MISSES of them one by one, the rest counted in one log line. Heroku Scheduler and
 *    Kubernetes CronJobs behave alike: a late scheduler runs a job once, not once per missed time.
 *  - The newest is skipped when a run of the job is still going (no overlap, no doubling).
 *  - After a very long outage (more than MAX_SCAN due times), the ticker catches up MAX_SCAN at a
 *    time: those are all missed, and the job runs again once it has caught up.
 */
import { dueTimes, type CronSchedule } from '@gantry/core';

export const MAX_RECORDED_MISSES = 20;
export const MAX_SCAN = 1000;

export interface CronJobView {
  schedule: CronSchedule;
  lastDueAt: Date | null;
  createdAt: Date;
  /** Due time of a run of this job still going, if any. */
  runningDueAt: Date | null;
}

export type CronAction = { kind: 'run'; dueAt: Date } | { kind: 'skip'; dueAt: Date; reason: string };

export interface CronDecision {
  actions: CronAction[];
  /** The job's new lastDueAt (unchanged when nothing was due). */
  lastDueAt: Date | null;
  /** Missed due times not recorded one by one. */
  unrecordedMisses: number;
}

export function planCronJob(job: CronJobView, now: Date): CronDecision {
  const from = job.lastDueAt ?? job.createdAt;
  const due = dueTimes(job.schedule, from, now, MAX_SCAN);
  if (due.length === 0) return { actions: [], lastDueAt: job.lastDueAt, unrecordedMisses: 0 };
  const caughtUp = due.length < MAX_SCAN;
  const newest = caughtUp ? due.at(-1)! : null;
  const missed = caughtUp ? due.slice(0, -1) : due;
  const recorded = missed.slice(-MAX_RECORDED_MISSES);
  const actions: CronAction[] = recorded.map((dueAt) => ({
    kind: 'skip',
    dueAt,
    reason: `missed: the scheduler was not running at that time${newest ? ` (only the newest due time, ${newest.toISOString()}, runs)` : ''}`,
  }));
  if (newest) {
    actions.push(
      job.runningDueAt
        ? { kind: 'skip', dueAt: newest, reason: `the previous run (due ${job.runningDueAt.toISOString()}) is still running` }
        : { kind: 'run', dueAt: newest },
    );
  }
  return { actions, lastDueAt: due.at(-1)!, unrecordedMisses: missed.length - recorded.length };
}
