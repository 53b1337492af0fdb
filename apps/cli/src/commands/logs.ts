/** logs: recent lines, or --tail to follow them (NDJSON stream with blank keep-alive lines). */
import type { LogLineView } from '@gantry/api-client';
import type { Command } from 'commander';
import { CliError, parseCount } from '../args';
import { client, resolveApp, withApp } from '../context';
import { info, out, print, printJson, type Style } from '../output';

const PALETTE: Style[] = ['cyan', 'magenta', 'green', 'yellow'];

/** `<time> <source>[<process>]: <line>`, Heroku-style. */
export function formatLogLine(l: LogLineView, paint = out): string {
  let h = 0;
  for (const ch of l.process) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  const who = l.source === 'gantry' || l.source === 'router' ? 'dim' : PALETTE[h % PALETTE.length]!;
  return `${paint.dim(l.time)} ${paint[who](`${l.source}[${l.process}]:`)} ${l.line}`;
}

/** Splits an NDJSON byte stream into parsed lines, skipping blank keep-alive lines. */
export async function* ndjson(body: AsyncIterable<Uint8Array>): AsyncGenerator<LogLineView> {
  const decoder = new TextDecoder();
  let buffered = '';
  for await (const chunk of body) {
    buffered += decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl).trim();
      buffered = buffered.slice(nl + 1);
      if (line) yield JSON.parse(line) as LogLineView;
    }
  }
  if (buffered.trim()) yield JSON.parse(buffered) as LogLineView;
}

export function register(program: Command): void {
  program.commandsGroup('Logs:');

  withApp(program.command('logs'))
    .description('show recent log lines of an app (app, build, router and gantry events)')
    .option('-n, --num <lines>', 'how many recent lines (0-5000)', '100')
    .option('-t, --tail', 'keep following new lines until Ctrl-C')
    .option('--json', 'output as JSON (with --tail: one JSON object per line)')
    .addHelpText(
      'after',
      `
Each line reads "<time> <source>[<process>]: <line>", source being app, build, router or gantry.

Examples:
  $ gantry logs -a my-app
  $ gantry logs -n 500 --tail
  $ gantry logs --json | jq -r '.[] | select(.source == "router") | .line'`,
    )
    .action(async (opts: { app?: string; num: string; tail?: boolean; json?: boolean }) => {
      const lines = parseCount(opts.num, 'number of lines', 0, 5000);
      const app = await resolveApp(opts.app);
      const api = client();
      if (!opts.tail) {
        const recent = await api.logs(app, lines);
        if (opts.json) return printJson(recent);
        if (recent.length === 0) info(`${app} has no log lines yet.`);
        for (const l of recent) print(formatLogLine(l));
        return;
      }
      const res = await api.send('GET', `/apps/${encodeURIComponent(app)}/logs?lines=${lines}&tail=1`);
      if (!res.body) throw new CliError('The API sent no log stream.');
      for await (const l of ndjson(res.body as unknown as AsyncIterable<Uint8Array>)) print(opts.json ? JSON.stringify(l) : formatLogLine(l));
      throw new CliError('The log stream ended (the API went away?). Run the command again to keep following.');
    });
}
