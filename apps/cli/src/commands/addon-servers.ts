/**
 * pg:info, redis:info, pg:psql, redis:cli, pg:credentials:rotate: one add-on server, named or
 * found through the app (its add-on attached as DATABASE / REDIS, or its only one of the kind).
 * psql and redis-cli run as `gantry run` does, in a one-off of the add-on's backing app (same
 * name as the add-on), whose environment holds the credentials: nothing secret crosses the CLI.
 */
import type { AddonDetailsView, AddonKind } from '@gantry/api-client';
import type { Command } from 'commander';
import { checkAddonName } from '../addon-args';
import { changeLine, followChange, resolveAddon, topicOf } from '../addon-context';
import { client, withApp } from '../context';
import { err, heading, humanBytes, info, printFields, printJson, withSpinner } from '../output';
import { addonFields } from './addons';
import { runAndExit } from './dynos';

/** The fields of pg:info / redis:info (live figures first; a missing one reads "unknown"). */
export function detailsFields(d: AddonDetailsView): [string, string][] {
  const unknown = (v: string | null) => v ?? 'unknown';
  const live: [string, string][] = [
    ['Version', unknown(d.version)],
    [d.kind === 'postgres' ? 'Data size' : 'Memory used', d.sizeBytes === null ? 'unknown' : humanBytes(d.sizeBytes)],
    ['Connections', d.connections === null ? 'unknown' : String(d.connections)],
  ];
  if (d.kind === 'postgres') live.push(['Tables', d.tables === null ? 'unknown' : d.tables.length ? d.tables.map((t) => `${t.name} (~${t.rows} rows)`).join(', ') : 'none']);
  else live.push(['Keys', d.keys === null ? 'unknown' : String(d.keys)]);
  return [...live, ...addonFields(d)];
}

/** The argv of redis:cli: redis-cli reads its password from REDISCLI_AUTH in the one-off's environment. */
export function redisCliArgv(privateName: string, port: number): string[] {
  return ['redis-cli', '-h', privateName, '-p', String(port)];
}

function registerInfo(program: Command, kind: AddonKind): void {
  const topic = topicOf(kind);
  withApp(program.command(`${topic}:info`))
    .argument('[name]', `the add-on's name (default: the app's ${kind} add-on)`)
    .description(`show a ${kind} add-on as it is now: version, size, connections, host, last backup`)
    .option('--json', 'output as JSON')
    .addHelpText('after', `\nExamples:\n  $ gantry ${topic}:info -a shop\n  $ gantry ${topic}:info ${kind}-shiny-1234`)
    .action(async (name: string | undefined, opts: { app?: string; json?: boolean }) => {
      if (name !== undefined) checkAddonName(name);
      const api = client();
      const addon = await resolveAddon(api, name, opts.app, kind);
      const details = await api.addonDetails(addon.name);
      if (opts.json) return printJson(details);
      heading(details.name);
      printFields(detailsFields(details));
      if (details.problem) info(err.red(`The server could not be asked: ${details.problem}`));
    });
}

export function register(program: Command): void {
  program.commandsGroup('Postgres and Redis:');
  registerInfo(program, 'postgres');
  registerInfo(program, 'redis');

  withApp(program.command('pg:psql'))
    .argument('[name]', 'the add-on\'s name (default: the app\'s Postgres add-on)')
    .description('open psql on a Postgres add-on (a one-off on the team\'s private network)')
    .addHelpText(
      'after',
      `
Runs psql in a one-off container next to the server; the credentials stay in its environment.
Interactive on a terminal; otherwise SQL is read from stdin.

Examples:
  $ gantry pg:psql -a shop
  $ echo 'select count(*) from users;' | gantry pg:psql postgres-shiny-1234`,
    )
    .action(async (name: string | undefined, opts: { app?: string }) => {
      if (name !== undefined) checkAddonName(name);
      const addon = await resolveAddon(client(), name, opts.app, 'postgres');
      await runAndExit(addon.name, ['psql']);
    });

  withApp(program.command('redis:cli'))
    .argument('[name]', 'the add-on\'s name (default: the app\'s Redis add-on)')
    .description('open redis-cli on a Redis add-on (a one-off on the team\'s private network)')
    .addHelpText('after', '\nExamples:\n  $ gantry redis:cli -a shop\n  $ echo "dbsize" | gantry redis:cli redis-calm-4821')
    .action(async (name: string | undefined, opts: { app?: string }) => {
      if (name !== undefined) checkAddonName(name);
      const addon = await resolveAddon(client(), name, opts.app, 'redis');
      await runAndExit(addon.name, redisCliArgv(addon.privateName, addon.port));
    });

  withApp(program.command('pg:credentials:rotate'))
    .argument('[name]', 'the add-on\'s name (default: the app\'s Postgres add-on)')
    .description('issue new credentials: every attached app gets the new URL in a new release')
    .option('--wait', 'then follow the new releases until they serve')
    .addHelpText('after', '\nThe old password stops working once the new releases are out.\n\nExamples:\n  $ gantry pg:credentials:rotate -a shop --wait')
    .action(async (name: string | undefined, opts: { app?: string; wait?: boolean }) => {
      if (name !== undefined) checkAddonName(name);
      const api = client();
      const addon = await resolveAddon(api, name, opts.app, 'postgres');
      const change = await withSpinner(`Rotating the credentials of ${addon.name}`, () => api.rotateAddonCredentials(addon.name), changeLine);
      if (opts.wait) await followChange(api, change);
    });
}
