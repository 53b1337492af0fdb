/**
 * autoscale, autoscale TYPE --min N --max N (--p95 300ms | --rps 150 | --cpu 70%),
 * autoscale:disable TYPE, autoscale:events: process types scaled by the autoscaler between
 * bounds, on the router's response time or request rate, or on CPU.
 */
import type { AutoscalePolicyView, AutoscaleView } from '@gantry/api-client';
import type { Command } from 'commander';
import { CliError, parseCount } from '../args';
import { utc } from './cron';
import { client, resolveApp, withApp } from '../context';
import { heading, info, printJson, printTable } from '../output';

/** "1-8 on p95 300 ms" */
export function policyText(p: AutoscalePolicyView | null): string {
  if (!p) return 'off (ps:scale)';
  const target = p.metric === 'p95' ? `p95 ${p.target} ms` : p.metric === 'rps' ? `${p.target} req/s per instance` : `CPU ${p.target}%`;
  return `${p.min}-${p.max} on ${target}`;
}

/** "300ms", "1.5s", "300" (ms) -> ms. */
export function parseLatency(input: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s)?$/.exec(input.trim());
  const ms = m ? Number(m[1]) * (m[2] === 's' ? 1000 : 1) : NaN;
  if (!Number.isFinite(ms) || ms <= 0 || ms > 600_000) throw new CliError(`Invalid --p95 ${JSON.stringify(input)}: use a response time like 300ms or 1.5s.`);
  return ms;
}

/** "70%", "70" -> 70. */
export function parsePercent(input: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*%?$/.exec(input.trim());
  const n = m ? Number(m[1]) : NaN;
  if (!Number.isFinite(n) || n <= 0 || n > 100) throw new CliError(`Invalid --cpu ${JSON.stringify(input)}: use a percentage from 1 to 100, like 70%.`);
  return n;
}

export function parseRate(input: string): number {
  const n = Number(input.trim());
  if (!/^\d+(\.\d+)?$/.test(input.trim()) || !Number.isFinite(n) || n <= 0) throw new CliError(`Invalid --rps ${JSON.stringify(input)}: use requests per second per instance, like 150.`);
  return n;
}

export interface AutoscaleFlags {
  min?: string;
  max?: string;
  p95?: string;
  rps?: string;
  cpu?: string;
}

/** The policy from the flags: min and max, and exactly one metric. */
export function policyFromFlags(f: AutoscaleFlags): AutoscalePolicyView {
  const metrics = (['p95', 'rps', 'cpu'] as const).filter((m) => f[m] !== undefined);
  if (metrics.length !== 1) throw new CliError(`Give one target: --p95 300ms, --rps 150 or --cpu 70%${metrics.length ? ` (not ${metrics.map((m) => `--${m}`).join(' and ')})` : ''}.`);
  if (f.min === undefined || f.max === undefined) throw new CliError('Give the bounds: --min N --max N.');
  const metric = metrics[0]!;
  const target = metric === 'p95' ? parseLatency(f.p95!) : metric === 'rps' ? parseRate(f.rps!) : parsePercent(f.cpu!);
  const min = parseCount(f.min, '--min', 1, 100);
  const max = parseCount(f.max, '--max', 1, 100);
  if (min > max) throw new CliError(`--min (${min}) cannot be above --max (${max}).`);
  return { min, max, metric, target };
}

function printPolicies(app: string, rows: AutoscaleView[]): void {
  heading(`${app} Autoscaling`);
  printTable(
    [{ header: 'Type' }, { header: 'Instances' }, { header: 'Autoscaling', style: (v) => (v.startsWith('off') ? undefined : 'green') }],
    rows.map((r) => [r.type, String(r.quantity), policyText(r.policy)]),
  );
}

export function register(program: Command): void {
  program.commandsGroup('Autoscaling:');

  withApp(program.command('autoscale'))
    .argument('[type]', 'the process type to autoscale (web, worker...)')
    .description('show autoscaling, or autoscale a process type between --min and --max on a target')
    .option('--min <n>', 'fewest instances (1 or more)')
    .option('--max <n>', 'most instances (up to 100)')
    .option('--p95 <time>', 'web: keep the 95th percentile response time under this, like 300ms')
    .option('--rps <n>', 'web: requests per second per instance, like 150')
    .option('--cpu <percent>', 'any type: CPU per instance (percent of one core), like 70%')
    .option('--json', 'output as JSON')
    .addHelpText(
      'after',
      `
The autoscaler looks every 10 s at the last minute: it adds instances at once (at most doubling
each time) when the metric is more than 10% above the target, and removes them only once fewer
were enough for 5 minutes (at most halving). Without data it changes nothing. Each change is a
line in the app's log (source autoscale) and listed by autoscale:events. While it is on, ps:scale
of the type is refused; sizes still change with ps:type.

Examples:
  $ gantry autoscale
  $ gantry autoscale web --min 1 --max 8 --p95 300ms
  $ gantry autoscale web --min 2 --max 10 --rps 150
  $ gantry autoscale worker --min 1 --max 4 --cpu 70%`,
    )
    .action(async (type: string | undefined, opts: AutoscaleFlags & { app?: string; json?: boolean }) => {
      const app = await resolveApp(opts.app);
      const api = client();
      const given = opts.min !== undefined || opts.max !== undefined || opts.p95 !== undefined || opts.rps !== undefined || opts.cpu !== undefined;
      if (!type) {
        if (given) throw new CliError('Name the process type to autoscale: gantry autoscale web --min 1 --max 8 --p95 300ms.');
        const rows = await api.autoscale(app);
        return opts.json ? printJson(rows) : printPolicies(app, rows);
      }
      if (!given) {
        const row = (await api.autoscale(app)).find((r) => r.type === type);
        if (!row) throw new CliError(`No process type ${type} in ${app}.`);
        return opts.json ? printJson(row) : info(`${type} of ${app}: ${row.quantity} instance(s), autoscaling ${policyText(row.policy)}.`);
      }
      const set = await api.setAutoscale(app, type, policyFromFlags(opts));
      if (opts.json) return printJson(set);
      info(`Autoscaling ${type} of ${app}: ${policyText(set.policy)} (now ${set.quantity} instance(s)). Changes show in gantry autoscale:events and gantry logs --source autoscale.`);
    });

  withApp(program.command('autoscale:disable'))
    .argument('<type>', 'the process type')
    .description('turn autoscaling of a process type off (its count stays; ps:scale sets it again)')
    .addHelpText('after', '\nExamples:\n  $ gantry autoscale:disable web')
    .action(async (type: string, opts: { app?: string }) => {
      const app = await resolveApp(opts.app);
      const row = await client().disableAutoscale(app, type);
      info(`Autoscaling of ${type} is off: it stays at ${row.quantity} instance(s) (gantry ps:scale ${type}=N to change it).`);
    });

  withApp(program.command('autoscale:events'))
    .description("the autoscaler's changes of the app's counts, newest first, each with why")
    .option('-n, --num <n>', 'how many (1-500)', '20')
    .option('--json', 'output as JSON')
    .addHelpText('after', '\nExamples:\n  $ gantry autoscale:events\n  $ gantry autoscale:events -n 100 --json')
    .action(async (opts: { app?: string; num: string; json?: boolean }) => {
      const app = await resolveApp(opts.app);
      const events = await client().autoscaleEvents(app, parseCount(opts.num, '--num', 1, 500));
      if (opts.json) return printJson(events);
      if (events.length === 0) return info(`The autoscaler has not changed ${app} yet.`);
      heading(`${app} Autoscaling events`);
      printTable(
        [{ header: 'When' }, { header: 'Type' }, { header: 'Change' }, { header: 'Why', shrink: true }],
        events.map((e) => [utc(e.createdAt), e.type, `${e.from} -> ${e.to}`, e.reason]),
      );
    });
}
