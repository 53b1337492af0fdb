/**
 * metrics: an app's latest window of router figures (requests/s, p50/p95/p99 latency, status
 * classes) and its instances' usage (CPU, memory), from GET /apps/:app/metrics. The cell
 * formatting here is shared with `gantry ps`.
 */
import type { AppMetricsView, InstanceUsageView } from '@gantry/api-client';
import type { Command } from 'commander';
import { CliError } from '../args';
import { client, resolveApp, withApp } from '../context';
import { heading, humanBytes, print, printFields, printJson, printTable, type Column } from '../output';

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600 };
export const MIN_WINDOW_S = 10;
export const MAX_WINDOW_S = 24 * 3600;

/** "10m", "90s", "1h", "600" (seconds) -> seconds, 10 s to 24 h. */
export function parseWindow(input: string): number {
  const m = /^(\d+)([smh]?)$/.exec(input.trim());
  const seconds = m ? Number(m[1]) * UNITS[m[2] || 's']! : NaN;
  if (!(seconds >= MIN_WINDOW_S && seconds <= MAX_WINDOW_S)) {
    throw new CliError(`Invalid window ${JSON.stringify(input)}: use a duration from 10s to 24h, like 90s, 10m or 1h.`, 2);
  }
  return seconds;
}

/** 42 -> "42s", 3725 -> "1h 2m", 90061 -> "1d 1h". */
export function durationText(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
}

export function msText(ms: number | null): string {
  if (ms === null) return '-';
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;
}

export function cpuText(u: Partial<Pick<InstanceUsageView, 'cpuPercent'>>): string {
  return u.cpuPercent === undefined || u.cpuPercent === null ? '' : `${u.cpuPercent.toFixed(1)}%`;
}

/** "120 MB / 512 MB (23%)"; "" without a sample. */
export function memoryText(u: Partial<Pick<InstanceUsageView, 'memUsed' | 'memLimit'>>): string {
  if (u.memUsed === undefined) return '';
  if (!u.memLimit) return humanBytes(u.memUsed);
  return `${humanBytes(u.memUsed)} / ${humanBytes(u.memLimit)} (${Math.round((u.memUsed / u.memLimit) * 100)}%)`;
}

export function uptimeText(u: Partial<Pick<InstanceUsageView, 'uptime'>>): string {
  return u.uptime === undefined ? '' : durationText(u.uptime);
}

/** The lines `gantry metrics` prints for a window. */
export function metricsFields(m: AppMetricsView): [string, string][] {
  const r = m.router;
  const classes = (['2xx', '3xx', '4xx', '5xx'] as const).map((c) => `${c} ${r.status[c]}`).join('  ');
  return [
    ['Requests', `${r.requests} (${r.rps} req/s)`],
    ['Latency', `p50 ${msText(r.p50)}  p95 ${msText(r.p95)}  p99 ${msText(r.p99)}`],
    ['Status', classes],
  ];
}

export const INSTANCE_METRICS_COLUMNS: Column[] = [{ header: 'Process' }, { header: 'CPU' }, { header: 'Memory' }, { header: 'Restarts' }, { header: 'Uptime' }];

export function register(program: Command): void {
  program.commandsGroup('Metrics:');

  withApp(program.command('metrics'))
    .description("show an app's latest metrics: requests/s, latency percentiles, status classes, instance CPU and memory")
    .option('-w, --window <duration>', 'how far back to look: 10s to 24h (e.g. 90s, 10m, 1h)', '10m')
    .option('--json', 'output as JSON (with the 10 s series)')
    .addHelpText(
      'after',
      `
Request figures come from the routers (every request to the app, in 10 s buckets kept 24 h);
CPU and memory from the agents (sampled every 10 s). Latency is the router's time from the
request to the end of the answer.

Examples:
  $ gantry metrics -a my-app
  $ gantry metrics --window 1h
  $ gantry metrics --json | jq '.router.p99'`,
    )
    .action(async (opts: { app?: string; window: string; json?: boolean }) => {
      const window = parseWindow(opts.window);
      const app = await resolveApp(opts.app);
      const m = await client().metrics(app, window);
      if (opts.json) return printJson(m);
      heading(`${app}: last ${durationText(m.window)}`);
      printFields(metricsFields(m));
      print();
      if (m.instances.length === 0) return print('No instance usage reported (no running instances, or their agent has not sampled them yet).');
      printTable(
        INSTANCE_METRICS_COLUMNS,
        m.instances.map((i) => [i.process, cpuText(i) || '-', memoryText(i), String(i.restarts), uptimeText(i)]),
      );
    });
}
