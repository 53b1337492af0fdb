/** cron, cron:add, cron:remove, cron:runs: scheduled jobs, run in one-off containers of the app. */
import type { CronRunView } from '@gantry/api-client';
import { checkCronJob } from '@gantry/core';
import type { Command } from 'commander';
import { CliError } from '../args';
import { client, resolveApp, withApp } from '../context';
import { heading, info, printJson, printTable } from '../output';

/** Characters that make a word mean something else to sh (or split it). */
const SHELL_SPECIAL = /[^A-Za-z0-9_\-+=.,:/@%^]/;

/**
 * The command line of a job from the words after `--`: one word is taken as the whole line
 * (`-- 'node a.js && node b.js'`); several are joined with spaces, each quoted for sh where it
 * needs it, so that the line runs the same words (`-- sh -c 'echo $X'`).
 */
export function commandLine(given: string[]): string {
  // With options passed through, a `--` after the schedule reaches us as a word: it only separates.
  const words = given[0] === '--' ? given.slice(1) : given;
  if (words.length === 1) return words[0]!;
  return words.map((w) => (w !== '' && !SHELL_SPECIAL.test(w) ? w : `'${w.replaceAll("'", `'\\''`)}'`)).join(' ');
}

/** "2026-12-04 21:40:00 UTC". */
export const utc = (iso: string | null) => (iso ? `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC` : '-');

export function duration(ms: number | null): string {
  if (ms === null) return '-';
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  return `${Math.floor(ms / 60_000)}m${Math.round((ms % 60_000) / 1000)}s`;
}

/** "succeeded (exit 0, 1.2s)", "skipped", "running"... */
export function runResult(r: CronRunView | null): string {
  if (!r) return 'never run';
  if (r.status === 'running' || r.status === 'skipped') return r.status;
  const parts = [r.exitCode !== null ? `exit ${r.exitCode}` : null, r.durationMs !== null ? duration(r.durationMs) : null].filter(Boolean);
  return parts.length ? `${r.status} (${parts.join(', ')})` : r.status;
}

const statusStyle = (v: string) => (v.startsWith('failed') ? 'red' : v.startsWith('skipped') ? 'yellow' : v.startsWith('succeeded') ? 'green' : undefined);

export function register(program: Command): void {
  program.commandsGroup('Scheduled jobs:');

  withApp(program.command('cron'))
    .description('list the app\'s scheduled jobs, with their next run and last result')
    .option('--json', 'output as JSON')
    .addHelpText('after', '\nSchedules are in UTC. Jobs come from cron:add or from app.json "cron" (replaced on each deploy).\n\nExamples:\n  $ gantry cron -a my-app\n  $ gantry cron --json')
    .action(async (opts: { app?: string; json?: boolean }) => {
      const app = await resolveApp(opts.app);
      const jobs = await client().cron(app);
      if (opts.json) return printJson(jobs);
      if (jobs.length === 0) return info(`${app} has no scheduled jobs. Add one: gantry cron:add "*/10 * * * *" -- node jobs/cleanup.js`);
      heading(`${app} Scheduled jobs (UTC)`);
      printTable(
        [{ header: 'ID' }, { header: 'Schedule' }, { header: 'Command', shrink: true }, { header: 'Source' }, { header: 'Next run' }, { header: 'Last result', style: statusStyle }],
        jobs.map((j) => [j.id, j.schedule, j.command, j.source, utc(j.nextRunAt), runResult(j.lastRun)]),
      );
    });

  withApp(program.command('cron:add'))
    .argument('<schedule>', 'when, in UTC: "*/10 * * * *" (5 fields, or 6 with seconds first), @hourly, @daily, @every 30s...')
    .argument('<command...>', 'the command line, after --')
    .description('schedule a job: a command run in a one-off container of the current release')
    .passThroughOptions()
    .addHelpText(
      'after',
      `
Fields: minute hour day-of-month month day-of-week (and second, first, when there are 6), with
lists (1,15), ranges (1-5), steps (*/10, 0-30/5) and names (JAN, MON). Also @hourly, @daily,
@weekly, @monthly, @yearly and @every 30s / 5m / 2h. All times are UTC.

Each run gets the app's config vars and its output goes to the app's log (source cron). A run
still going when the next is due is not doubled: that due time is skipped, and the skip logged.

Examples:
  $ gantry cron:add "*/10 * * * *" -- node jobs/cleanup.js
  $ gantry cron:add @daily -a my-app -- 'npm run report && node jobs/mail.js'
  $ gantry cron:add "0 9 * * MON-FRI" -- sh -c 'echo $GREETING'`,
    )
    .action(async (schedule: string, words: string[], opts: { app?: string }) => {
      let job: { schedule: string; command: string };
      try {
        job = checkCronJob({ schedule, command: commandLine(words) });
      } catch (err) {
        throw new CliError((err as Error).message);
      }
      const app = await resolveApp(opts.app);
      const added = await client().addCron(app, job.schedule, job.command);
      info(`Scheduled ${added.id} on ${app}: "${added.schedule}" ${added.command}`);
      info(`Next run: ${utc(added.nextRunAt)}.`);
    });

  withApp(program.command('cron:remove'))
    .argument('<id>', 'the job\'s id, from `gantry cron`')
    .description('remove a scheduled job added with cron:add')
    .addHelpText('after', '\nA job from app.json is removed by removing it from app.json\'s "cron" and deploying.\n\nExamples:\n  $ gantry cron:remove 0193a5c2-7f4e-7b1a-9c3d-2e4f5a6b7c8d -a my-app')
    .action(async (id: string, opts: { app?: string }) => {
      const app = await resolveApp(opts.app);
      await client().removeCron(app, id);
      info(`Removed the scheduled job ${id} from ${app}.`);
    });

  withApp(program.command('cron:runs'))
    .description('the history of the app\'s scheduled jobs: due time, start, duration, exit code')
    .option('--job <id>', 'only the runs of this job')
    .option('-n, --num <count>', 'how many runs to show (1-500)', '20')
    .option('--json', 'output as JSON')
    .addHelpText('after', '\nNewest due time first. A skipped run says why (the previous one still running, or missed).\n\nExamples:\n  $ gantry cron:runs -a my-app\n  $ gantry cron:runs --job 0193a5c2-7f4e-7b1a-9c3d-2e4f5a6b7c8d -n 50')
    .action(async (opts: { app?: string; job?: string; num: string; json?: boolean }) => {
      const limit = Number(opts.num);
      if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new CliError(`--num must be a whole number from 1 to 500, got ${JSON.stringify(opts.num)}.`);
      const app = await resolveApp(opts.app);
      const runs = await client().cronRuns(app, { ...(opts.job ? { job: opts.job } : {}), limit });
      if (opts.json) return printJson(runs);
      if (runs.length === 0) return info(`${app} has no runs of scheduled jobs yet.`);
      heading(`${app} Scheduled job runs (UTC)`);
      printTable(
        [{ header: 'Job' }, { header: 'Due' }, { header: 'Started' }, { header: 'Duration' }, { header: 'Exit' }, { header: 'Status', style: statusStyle }, { header: 'Reason', shrink: true }],
        runs.map((r) => [r.jobId, utc(r.dueAt), utc(r.startedAt), duration(r.durationMs), r.exitCode === null ? '-' : String(r.exitCode), r.status, r.reason ?? '']),
      );
    });
}
