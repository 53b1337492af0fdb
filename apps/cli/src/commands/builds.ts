/** builds, builds:info. */
import type { BuildView } from '@gantry/api-client';
import type { Command } from 'commander';
import { parseBuildNumber } from '../args';
import { client, resolveApp, withApp } from '../context';
import { ago, heading, print, printFields, printJson, printTable, type Style } from '../output';

export function duration(b: Pick<BuildView, 'startedAt' | 'finishedAt'>): string {
  if (!b.startedAt || !b.finishedAt) return '';
  const s = Math.max(0, Math.round((Date.parse(b.finishedAt) - Date.parse(b.startedAt)) / 1000));
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

const STATUS_STYLE: Record<string, Style | undefined> = { succeeded: 'green', failed: 'red', building: 'yellow', queued: 'yellow' };

export function register(program: Command): void {
  program.commandsGroup('Builds:');

  withApp(program.command('builds'))
    .description('list the builds of an app (one per git push), newest first')
    .option('--json', 'output as JSON')
    .addHelpText('after', '\nExamples:\n  $ gantry builds -a my-app')
    .action(async (opts: { app?: string; json?: boolean }) => {
      const app = await resolveApp(opts.app);
      const builds = await client().builds(app);
      if (opts.json) return printJson(builds);
      if (builds.length === 0) return print(`${app} has no builds yet: push with \`git push gantry main\`.`);
      printTable(
        [
          { header: 'Build' },
          { header: 'Status', style: (v) => STATUS_STYLE[v] },
          { header: 'Commit' },
          { header: 'Ref', shrink: true },
          { header: 'Strategy', shrink: true },
          { header: 'Started' },
          { header: 'Took' },
          { header: 'Error', shrink: true },
        ],
        builds.map((b) => [`#${b.number}`, b.status, b.commit.slice(0, 7), b.ref.replace(/^refs\/heads\//, ''), b.strategy ?? '', ago(b.startedAt ?? b.createdAt), duration(b), b.error ?? '']),
      );
    });

  withApp(program.command('builds:info'))
    .argument('<number>', 'build number, e.g. 3')
    .description('show one build; --log prints its output')
    .option('--log', 'print the stored build output')
    .option('--json', 'output as JSON')
    .addHelpText('after', '\nExamples:\n  $ gantry builds:info 3 -a my-app\n  $ gantry builds:info 3 --log | less')
    .action(async (number: string, opts: { app?: string; log?: boolean; json?: boolean }) => {
      const n = parseBuildNumber(number);
      const app = await resolveApp(opts.app);
      const b = await client().build(app, n);
      if (opts.json) return printJson(opts.log ? b : { ...b, log: undefined });
      if (opts.log) {
        const log = b.log ?? '';
        if (!log) return print(`Build #${n} has no stored output${b.status === 'building' || b.status === 'queued' ? ' yet (it is still running)' : ''}.`);
        process.stdout.write(log.endsWith('\n') ? log : log + '\n');
        return;
      }
      heading(`${app} build #${b.number}`);
      printFields([
        ['Status', `${b.status}${b.error ? `: ${b.error}` : ''}`],
        ['Commit', b.commit],
        ['Ref', b.ref],
        ['Strategy', b.strategy ?? '-'],
        ['Created', `${b.createdAt} (${ago(b.createdAt)})`],
        ['Started', b.startedAt ?? '-'],
        ['Finished', b.finishedAt ? `${b.finishedAt} (took ${duration(b)})` : '-'],
      ]);
    });
}
