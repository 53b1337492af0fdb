/** logs: recent lines, or --tail to follow them (NDJSON stream with blank keep-alive lines). */
import type { LogLineView } from '@gantry/api-client';
import type { Command } from 'commander';
import { CliError, parseCount } from '../args';
import { client, resolveApp, withApp } from '../context';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiError } from '@gantry/api-client';
import { err, info, out, print, printJson, type Style } from '../output';

const PALETTE: Style[] = ['cyan', 'magenta', 'green', 'yellow'];

/** `<time> <source>[<process>]: <line>`, Heroku-style. */
export function formatLogLine(l: LogLineView, paint = out): string {
  let h = 0;
  for (const ch of l.process) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  const who = l.source === 'gantry' || l.source === 'router' ? 'dim' : PALETTE[h % PALETTE.length]!;
  return `${paint.dim(l.time)} ${paint[who](`${l.source}[${l.process}]:`)} ${l.line}`;
}

/**
 * Splits an NDJSON byte stream into parsed lines, skipping blank keep-alive lines: one batch per
 * chunk received, so a busy stream is printed with one write per chunk rather than per line.
 */
export async function* ndjsonBatches(body: AsyncIterable<Uint8Array>): AsyncGenerator<LogLineView[]> {
  const decoder = new TextDecoder();
  let buffered = '';
  for await (const chunk of body) {
    buffered += decoder.decode(chunk, { stream: true });
    const end = buffered.lastIndexOf('\n');
    if (end < 0) continue;
    const complete = buffered.slice(0, end);
    buffered = buffered.slice(end + 1);
    const batch: LogLineView[] = [];
    for (const line of complete.split('\n')) if (line.trim()) batch.push(JSON.parse(line) as LogLineView);
    if (batch.length) yield batch;
  }
  if (buffered.trim()) yield [JSON.parse(buffered) as LogLineView];
}

/** Parsed lines of an NDJSON byte stream, one at a time. */
export async function* ndjson(body: AsyncIterable<Uint8Array>): AsyncGenerator<LogLineView> {
  for await (const batch of ndjsonBatches(body)) yield* batch;
}

const SOURCES = ['app', 'build', 'gantry', 'router', 'release', 'cron', 'autoscale'];

/**
 * The chunks of a tail's body, aborting it when nothing (not even the API's keep-alive newline,
 * sent at least every 5 s) arrives for idleMs: a half-open connection then reconnects instead of
 * hanging for ever.
 */
export async function* watchedBody(body: AsyncIterable<Uint8Array>, abort: (why: Error) => void, idleMs: number): AsyncGenerator<Uint8Array> {
  const timer = setTimeout(() => abort(new Error(`no data for ${idleMs / 1000} s`)), idleMs);
  try {
    for await (const chunk of body) {
      timer.refresh();
      yield chunk;
    }
  } finally {
    clearTimeout(timer);
  }
}

/** A tail stream silent this long is taken as cut (the API sends a keep-alive every 5 s). */
export const TAIL_IDLE_MS = 20_000;

/** How long a cut tail waits before reconnecting: 0.5 s doubling to 5 s. */
export function reconnectDelayMs(attempt: number): number {
  return Math.min(500 * 2 ** attempt, 5000);
}

export function register(program: Command): void {
  program.commandsGroup('Logs:');

  withApp(program.command('logs'))
    .description('show recent log lines of an app (app, build, router and gantry events)')
    .option('-n, --num <lines>', 'how many recent lines (0-5000)', '100')
    .option('-t, --tail', 'keep following new lines until Ctrl-C (reconnects if the API restarts)')
    .option('-p, --ps <process>', 'only lines of one process (web.2, with its sidecars), process type (web) or sidecar (web.2/metrics)')
    .option('-s, --source <source>', `only lines of one source: ${SOURCES.join(', ')}`)
    .option('--json', 'output as JSON (with --tail: one JSON object per line)')
    .addHelpText(
      'after',
      `
Each line reads "<time> <source>[<process>]: <line>", source being app, build, router or gantry.

Examples:
  $ gantry logs -a my-app
  $ gantry logs -n 500 --tail
  $ gantry logs --ps web.2 --source app
  $ gantry logs --ps web.1/metrics
  $ gantry logs --source router --tail
  $ gantry logs --json | jq -r '.[] | select(.source == "router") | .line'`,
    )
    .action(async (opts: { app?: string; num: string; tail?: boolean; json?: boolean; ps?: string; source?: string }) => {
      const lines = parseCount(opts.num, 'number of lines', 0, 5000);
      if (opts.source !== undefined && !SOURCES.includes(opts.source)) {
        throw new CliError(`Unknown source "${opts.source}". Sources: ${SOURCES.join(', ')}.`, 2);
      }
      const filter = { ...(opts.source ? { source: opts.source } : {}), ...(opts.ps ? { ps: opts.ps } : {}) };
      const app = await resolveApp(opts.app);
      const api = client();
      if (!opts.tail) {
        const recent = await api.logs(app, lines, filter);
        if (opts.json) return printJson(recent);
        if (recent.length === 0) info(`${app} has no log lines${opts.ps || opts.source ? ' that match' : ' yet'}.`);
        for (const l of recent) print(formatLogLine(l));
        return;
      }
      // Follows until Ctrl-C. When the stream is cut (the API restarts, the network blips) it
      // reconnects and resumes after the last line it printed, so nothing is lost or repeated.
      let last: string | undefined;
      let why = 'ended';
      for (let attempt = 0; ; attempt++) {
        const query = new URLSearchParams({ lines: String(lines), tail: '1', ...filter, ...(last ? { after: last } : {}) });
        const cut = new AbortController();
        const connecting = setTimeout(() => cut.abort(new Error(`no answer in ${TAIL_IDLE_MS / 1000} s`)), TAIL_IDLE_MS);
        try {
          const res = await api.send('GET', `/apps/${encodeURIComponent(app)}/logs?${query}`, undefined, cut.signal);
          clearTimeout(connecting);
          if (!res.body) throw new CliError('The API sent no log stream.');
          const body = watchedBody(res.body as unknown as AsyncIterable<Uint8Array>, (why) => cut.abort(why), TAIL_IDLE_MS);
          for await (const batch of ndjsonBatches(body)) {
            attempt = 0;
            last = batch.at(-1)!.id;
            print(batch.map((l) => (opts.json ? JSON.stringify(l) : formatLogLine(l))).join('\n'));
          }
        } catch (e) {
          // Refusals (unknown app, no access, bad filter) end the command; an unreachable or
          // failing API (a restart) does not.
          if ((e instanceof ApiError && e.status >= 400 && e.status < 500) || e instanceof CliError) throw e;
          why = cut.signal.aborted ? (cut.signal.reason as Error).message : (e as Error).message;
        } finally {
          clearTimeout(connecting);
        }
        const delay = reconnectDelayMs(attempt);
        // "Gantry cannot reach Redis; try again when it is back." (a 503) reads as the reason.
        info(err.dim(`(log stream cut: ${why.replace(/[.\s]+$/, '')}; reconnecting in ${(delay / 1000).toFixed(1)} s)`));
        why = 'ended';
        await sleep(delay);
      }
    });
}
