/** ps: the instances (dynos) of an app. */
import type { InstanceView } from '@gantry/api-client';
import type { Command } from 'commander';
import { client, resolveApp, withApp } from '../context';
import { ago, print, printJson, printTable, type Style } from '../output';

const STATE_STYLE: Record<InstanceView['state'], Style | undefined> = { up: 'green', starting: 'yellow', stopping: 'yellow', crashed: 'red' };

export function stateText(i: InstanceView): string {
  if (i.state !== 'crashed') return i.state;
  const why = [i.exitCode !== null ? `exit ${i.exitCode}` : '', i.message ?? ''].filter(Boolean).join(': ');
  return why ? `crashed (${why})` : 'crashed';
}

export function register(program: Command): void {
  program.commandsGroup('Processes:');

  withApp(program.command('ps'))
    .description('list the running instances of an app')
    .option('--json', 'output as JSON')
    .addHelpText('after', '\nExamples:\n  $ gantry ps -a my-app')
    .action(async (opts: { app?: string; json?: boolean }) => {
      const app = await resolveApp(opts.app);
      const instances = await client().ps(app);
      if (opts.json) return printJson(instances);
      if (instances.length === 0) return print(`${app} has no instances running.`);
      const sorted = [...instances].sort((a, b) => a.process.localeCompare(b.process, 'en', { numeric: true }));
      printTable(
        [
          { header: 'Process' },
          { header: 'State', shrink: true, style: (v) => STATE_STYLE[v.split(' ')[0] as InstanceView['state']] },
          { header: 'Release' },
          { header: 'Host:Port' },
          { header: 'Since' },
        ],
        sorted.map((i) => [i.process, stateText(i), `v${i.release}`, `${i.host}:${i.port ?? '-'}`, ago(i.startedAt)]),
      );
    });
}
