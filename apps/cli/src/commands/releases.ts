/** releases, releases:info, releases:rollback, and following a release until it is out. */
import type { GantryClient, ReleaseView } from '@gantry/api-client';
import type { Command } from 'commander';
import { setTimeout as sleep } from 'node:timers/promises';
import { CliError, parseVersion } from '../args';
import { client, resolveApp, withApp } from '../context';
import { ago, heading, print, printFields, printJson, printTable, spinner, type Style } from '../output';

export const FOLLOW_INTERVAL_MS = 500;
export const FOLLOW_TIMEOUT_MS = 120_000;

/**
 * Waits (spinner on a TTY) until the release is succeeded or failed, polling every 500 ms for
 * up to 120 s. A failed release or a timeout is a failed command (exit 1).
 */
export async function followRelease(api: GantryClient, app: string, release: ReleaseView): Promise<void> {
  let r = release;
  if (r.status === 'succeeded') return;
  const label = (s: ReleaseView['status']) => (s === 'pending' ? `Waiting for v${r.version} to deploy` : `Deploying v${r.version}`);
  const spin = r.status === 'failed' ? undefined : spinner(label(r.status));
  const deadline = Date.now() + FOLLOW_TIMEOUT_MS;
  try {
    while (r.status === 'pending' || r.status === 'deploying') {
      if (Date.now() >= deadline) {
        spin?.stop(`still ${r.status}`);
        throw new CliError(`v${r.version} is still ${r.status} after ${FOLLOW_TIMEOUT_MS / 1000} s. Check it with \`gantry releases:info v${r.version} -a ${app}\`.`);
      }
      await sleep(FOLLOW_INTERVAL_MS);
      r = await api.release(app, r.version);
      spin?.update(label(r.status));
    }
  } catch (e) {
    if (!(e instanceof CliError)) spin?.stop('?');
    throw e;
  }
  spin?.stop(r.status === 'succeeded' ? 'done' : 'failed');
  if (r.status === 'failed') {
    throw new CliError(`v${r.version} failed${r.statusReason ? `: ${r.statusReason}` : ''}.\nThe previous release, if any, keeps serving. See \`gantry logs -a ${app}\`.`);
  }
}

export function statusStyle(status: string): Style | undefined {
  if (status.includes('current')) return 'green';
  if (status.startsWith('failed')) return 'red';
  if (status.startsWith('pending') || status.startsWith('deploying')) return 'yellow';
  return undefined;
}

export function register(program: Command): void {
  program.commandsGroup('Releases:');

  withApp(program.command('releases'))
    .description('list the releases of an app, newest first')
    .option('--json', 'output as JSON')
    .addHelpText('after', '\nExamples:\n  $ gantry releases -a my-app')
    .action(async (opts: { app?: string; json?: boolean }) => {
      const app = await resolveApp(opts.app);
      const releases = await client().releases(app);
      if (opts.json) return printJson(releases);
      if (releases.length === 0) return print(`${app} has no releases yet.`);
      heading(`${app} Releases`);
      printTable(
        [{ header: 'Version' }, { header: 'Status', style: statusStyle }, { header: 'Description', shrink: true }, { header: 'By', shrink: true }, { header: 'When' }],
        releases.map((r) => [`v${r.version}`, r.current ? `${r.status} (current)` : r.status, r.description, r.createdBy ?? '', ago(r.createdAt)]),
      );
    });

  withApp(program.command('releases:info'))
    .argument('<version>', 'release version, e.g. v3 or 3')
    .description('show one release')
    .option('--json', 'output as JSON')
    .addHelpText('after', '\nExamples:\n  $ gantry releases:info v3 -a my-app')
    .action(async (version: string, opts: { app?: string; json?: boolean }) => {
      const v = parseVersion(version);
      const app = await resolveApp(opts.app);
      const r = await client().release(app, v);
      if (opts.json) return printJson(r);
      heading(`${app} v${r.version}`);
      const procs = Object.entries(r.processTypes);
      printFields([
        ['Status', `${r.status}${r.statusReason ? `: ${r.statusReason}` : ''}${r.current ? ' (current)' : ''}`],
        ['Description', r.description],
        ['By', r.createdBy ?? '-'],
        ['Created', `${r.createdAt} (${ago(r.createdAt)})`],
        ['Deployed', r.deployedAt ?? '-'],
        ['Build', r.buildNumber ? `#${r.buildNumber} (${r.commit?.slice(0, 7) ?? '?'})` : '-'],
        ['Image', r.imageRef ?? '-'],
        ['Processes', procs.length ? procs.map(([t, c]) => `${t}: ${c}`).join('; ') : '-'],
      ]);
    });

  withApp(program.command('releases:rollback').alias('rollback'))
    .argument('<version>', 'release to go back to, e.g. v3 or 3')
    .description('create a new release with the build and config vars of an earlier one')
    .option('--no-wait', 'do not wait for the new release to deploy')
    .addHelpText(
      'after',
      `
Only releases that have a build can be rolled back to. Config vars are restored too.

Examples:
  $ gantry releases:rollback v3 -a my-app
  $ gantry rollback 3 --no-wait`,
    )
    .action(async (version: string, opts: { app?: string; wait: boolean }) => {
      const v = parseVersion(version);
      const app = await resolveApp(opts.app);
      const api = client();
      const spin = spinner(`Rolling back ${app} to v${v}`);
      const r = await api.rollback(app, v).catch((e: unknown) => {
        spin.stop('failed');
        throw e;
      });
      spin.stop(`done, v${r.version}`);
      if (opts.wait) await followRelease(api, app, r);
    });
}
