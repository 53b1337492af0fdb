/**
 * ps:sleep [TYPE] --after 30m | --now | --off: a web type that sleeps (zero instances) after a
 * while without requests, and wakes on the next one (the router holds it meanwhile). `ps` says
 * which types sleep (sleepLines).
 */
import type { FormationEntryView } from '@gantry/api-client';
import { formatSleepAfter, parseSleepAfter } from '@gantry/core';
import type { Command } from 'commander';
import { CliError, checkProcessType } from '../args';
import { client, resolveApp, withApp } from '../context';
import { print, withSpinner } from '../output';
import { utc } from './cron';

/** What `ps` prints about sleeping: "web: sleeping since 2026-12-05 10:40 UTC; the next request wakes 1 instance". */
export function sleepLines(formation: readonly FormationEntryView[]): string[] {
  return formation
    .filter((f) => f.sleepAfter !== null)
    .map((f) =>
      f.sleepingSince !== null
        ? `${f.type}: sleeping since ${utc(f.sleepingSince)}; the next request wakes ${f.quantity} instance${f.quantity === 1 ? '' : 's'}`
        : `${f.type}: awake; sleeps after ${formatSleepAfter(f.sleepAfter!)} without a request`,
    );
}

export function register(program: Command): void {
  withApp(program.command('ps:sleep'))
    .argument('[TYPE]', 'process type (only web serves requests)', 'web')
    .description('let a web type sleep when idle (zero instances), waking on its next request')
    .option('--after <DURATION>', 'sleep after this long without a request: 30m, 2h, 1d (1m to 30d)')
    .option('--now', 'go to sleep at once (then sleep again after --after, 30m by default)')
    .option('--off', 'never sleep (wakes the type if it sleeps)')
    .addHelpText(
      'after',
      `
A sleeping type runs no instance, so a machine can host many rarely used apps. The router holds
the first request (and those that follow) while an instance boots, then answers them as usual;
if none is healthy within the boot timeout they get a 503 page. \`gantry ps\` shows sleeping
types; \`gantry ps:scale\` of the type wakes it too.

Examples:
  $ gantry ps:sleep --after 30m -a my-app
  $ gantry ps:sleep --now
  $ gantry ps:sleep --off`,
    )
    .action(async (type: string, opts: { app?: string; after?: string; now?: boolean; off?: boolean }) => {
      checkProcessType(type);
      if (opts.after === undefined && !opts.now && !opts.off) throw new CliError('Say when it sleeps: --after 30m, --now or --off.');
      if (opts.off && (opts.after !== undefined || opts.now)) throw new CliError('--off cannot be combined with --after or --now.');
      if (opts.after !== undefined) {
        try {
          parseSleepAfter(opts.after);
        } catch (err) {
          throw new CliError((err as Error).message);
        }
      }
      const app = await resolveApp(opts.app);
      const label = opts.off ? `Turning sleep off for ${type}` : opts.now ? `Putting ${type} to sleep` : `Setting ${type} to sleep after ${opts.after}`;
      const entry = await withSpinner(label, () => client().setSleep(app, type, { ...(opts.after !== undefined ? { after: opts.after } : {}), ...(opts.now ? { now: true } : {}), ...(opts.off ? { off: true } : {}) }));
      if (entry.sleepAfter === null) return print(`${type} of ${app} never sleeps.`);
      for (const line of sleepLines([entry])) print(line);
    });
}
