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
 * Waits until the release serves or fails, polling every 500 ms: the release phase's output is
 * printed as it comes (no time limit while it runs: it has its own timeout), then the deploy is
 * followed for up to 120 s. A release superseded by a newer one (which includes it: config
 * changes build on the release in flight) is followed as that one. Exit 1 unless it serves.
 */
export async function followRelease(api: GantryClient, app: string, release: ReleaseView): Promise<void> {
  let r = release;
  let printed = 0;
  const label = (x: ReleaseView) => (x.status === 'pending' ? `Waiting for v${x.version} to deploy` : x.status === 'releasing' ? `Running the release phase of v${x.version}` : `Deploying v${x.version}`);
  let spin: ReturnType<typeof spinner> | undefined;
  let deadline = Date.now() + FOLLOW_TIMEOUT_MS;
  try {
    for (;;) {
      if (r.status === 'releasing' || r.status === 'failed' || r.status === 'succeeded' || (printed > 0 && r.status !== 'pending')) {
        const out = await api.releaseOutput(app, r.version, printed);
        if (out.lines.length) {
          spin?.stop(printed === 0 ? 'release phase output:' : '');
          spin = undefined;
          for (const l of out.lines) print(l);
        }
        printed = out.next;
      }
      if (r.status === 'succeeded' || r.status === 'failed') break;
      if (r.status === 'superseded') {
        const newer = (await api.releases(app)).find((x) => x.version > r.version && x.status !== 'failed');
        spin?.stop(`v${r.version} superseded`);
        spin = undefined;
        if (!newer) throw new CliError(`v${r.version} was superseded${r.statusReason ? `: ${r.statusReason}` : ''}.`);
        print(`v${r.version} was superseded by v${newer.version} (${newer.description}), which includes it; following v${newer.version}.`);
        r = newer;
        printed = 0;
        deadline = Date.now() + FOLLOW_TIMEOUT_MS;
        continue;
      }
      if (r.status === 'releasing') deadline = Date.now() + FOLLOW_TIMEOUT_MS;
      else if (Date.now() >= deadline) {
        spin?.stop(`still ${r.status}`);
        throw new CliError(`v${r.version} is still ${r.status} after ${FOLLOW_TIMEOUT_MS / 1000} s. Check it with \`gantry releases:info v${r.version} -a ${app}\`.`);
      }
      // One spinner until output comes; while the output streams, the output shows progress.
      if (!spin && printed === 0) spin = spinner(label(r));
      await sleep(FOLLOW_INTERVAL_MS);
      const was = r.status;
      r = await api.release(app, r.version);
      if (printed > 0 && was === 'releasing' && r.status === 'deploying') spin = spinner(label(r));
      spin?.update(label(r));
    }
  } catch (e) {
    if (!(e instanceof CliError)) spin?.stop('?');
    throw e;
  }
  spin?.stop(r.status === 'succeeded' ? 'done' : 'failed');
  if (r.status === 'failed') {
    throw new CliError(`v${r.version} failed${r.statusReason ? `: ${r.statusReason}` : ''}.\nThe previous release, if any, keeps serving. See \`gantry releases:output v${r.version} -a ${app}\` and \`gantry logs -a ${app}\`.`);
  }
  print(`v${r.version} serves.`);
}

export function statusStyle(status: string): Style | undefined {
  if (status.includes('current')) return 'green';
  if (status.startsWith('failed')) return 'red';
  if (status.startsWith('pending') || status.startsWith('deploying') || status.startsWith('releasing')) return 'yellow';
  if (status.startsWith('superseded')) return 'dim';
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

  withApp(program.command('releases:output'))
    .argument('<version>', 'release version, e.g. v3 or 3')
    .description('print the output of the release phase (release command, predeploy) of a release')
    .addHelpText('after', '\nExamples:\n  $ gantry releases:output v3 -a my-app')
    .action(async (version: string, opts: { app?: string }) => {
      const v = parseVersion(version);
      const app = await resolveApp(opts.app);
      const api = client();
      let after = 0;
      for (;;) {
        const out = await api.releaseOutput(app, v, after);
        for (const l of out.lines) print(l);
        after = out.next;
        if (!out.running) {
          if (after === 0) print(`v${v} has no release phase output (its Procfile has no release command, or it did not run).`);
          return;
        }
        await sleep(FOLLOW_INTERVAL_MS);
      }
    });

  withApp(program.command('releases:timeout'))
    .argument('<seconds>', 'seconds the release command may run (default 1800)')
    .description('set how long the release phase may run before the release fails')
    .addHelpText('after', '\nExamples:\n  $ gantry releases:timeout 600 -a my-app')
    .action(async (seconds: string, opts: { app?: string }) => {
      const n = Number(seconds);
      if (!Number.isInteger(n) || n < 1 || n > 86_400) throw new CliError('Give the timeout as a whole number of seconds from 1 to 86400.');
      const app = await resolveApp(opts.app);
      const out = await client().setReleaseTimeout(app, n);
      print(`The release phase of ${app} may now run ${out.seconds} s.`);
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
