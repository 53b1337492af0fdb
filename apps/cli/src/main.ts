/**
 * `gantry`: assembles the commands (one module per topic), runs one, and turns errors into
 * ` ▸    message` and an exit code: 0 ok, 1 failure, 2 usage error, 3 not logged in.
 */
import { ApiError } from '@gantry/api-client';
import { isGantryError } from '@gantry/core';
import { Command, CommanderError } from 'commander';
import pkg from '../package.json' with { type: 'json' };
import { CliError, joinTopic, suggestCommand } from './args';
import * as addons from './commands/addons';
import * as addonServers from './commands/addon-servers';
import * as apps from './commands/apps';
import * as auth from './commands/auth';
import * as backups from './commands/backups';
import * as builds from './commands/builds';
import * as buildpacks from './commands/buildpacks';
import * as config from './commands/config';
import * as cron from './commands/cron';
import * as autoscale from './commands/autoscale';
import * as gitCommands from './commands/git';
import * as domains from './commands/domains';
import * as dynos from './commands/dynos';
import * as drains from './commands/drains';
import * as hosts from './commands/hosts';
import * as logs from './commands/logs';
import * as metrics from './commands/metrics';
import * as ps from './commands/ps';
import * as releases from './commands/releases';
import * as settings from './commands/settings';
import * as teams from './commands/teams';
import * as volumes from './commands/volumes';
import { formatError } from './output';

export const EXIT = { ok: 0, failure: 1, usage: 2, auth: 3 } as const;

/** Visible command names and aliases (the candidates for "Did you mean ...?"). */
function commandNames(program: Command, withHidden = false): string[] {
  const commands = withHidden ? program.commands : program.createHelp().visibleCommands(program);
  return commands.flatMap((c) => [c.name(), ...c.aliases()]);
}

export function buildProgram(): Command {
  const program = new Command('gantry')
    .description('Gantry: deploy apps with `git push`, on your own machines.')
    .version(pkg.version, '-v, --version', 'print the CLI version')
    .helpOption('-h, --help', 'show help (also: gantry help COMMAND)')
    .configureOutput({ outputError: (str, write) => write(formatError(str.replace(/^error: /, '')) + '\n') })
    .showSuggestionAfterError(true)
    .exitOverride()
    // Program options only before the command, so `gantry ps -v` is ps's --verbose, not --version.
    .enablePositionalOptions()
    .addHelpText(
      'after',
      `
Commands that act on an app take -a NAME; without it, the app of the "gantry" git remote of the
current directory is used. Listings take --json.

Environment: GANTRY_API_URL (API to use), GANTRY_TOKEN (token to use instead of the saved login),
NO_COLOR (no colours).

Exit codes: 0 ok, 1 failure, 2 usage error, 3 not logged in or token rejected.

Examples:
  $ gantry login
  $ gantry apps:create my-app && git push gantry main
  $ gantry config:set GREETING=hello
  $ gantry logs --tail`,
    );

  auth.register(program);
  apps.register(program);
  config.register(program);
  releases.register(program);
  ps.register(program);
  dynos.register(program);
  hosts.register(program);
  domains.register(program);
  logs.register(program);
  metrics.register(program);
  drains.register(program);
  cron.register(program);
  autoscale.register(program);
  addons.register(program);
  addonServers.register(program);
  backups.register(program);
  volumes.register(program);
  builds.register(program);
  buildpacks.register(program);
  gitCommands.register(program);
  teams.register(program);
  settings.register(program);
  program.commandsGroup('Help:').helpCommand('help [command]', 'show help for a command');

  program.on('command:*', (operands: string[]) => {
    const guess = suggestCommand(operands[0] ?? '', commandNames(program));
    program.error(`${JSON.stringify(operands[0])} is not a gantry command.${guess ? ` Did you mean ${guess}?` : ''}\nSee \`gantry --help\` for the list.`, {
      exitCode: EXIT.usage,
      code: 'commander.unknownCommand',
    });
  });
  return program;
}

/** Prints an error the user can act on and returns the exit code. */
export function report(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage; // commander printed it
  const print = (msg: string) => process.stderr.write(formatError(msg) + '\n');
  if (err instanceof ApiError && err.status === 401) {
    print(/gantry login/.test(err.message) ? err.message : `${err.message}\nRun \`gantry login\` to log in again.`);
    return EXIT.auth;
  }
  if (err instanceof CliError) {
    if (err.message) print(err.message); // none: the exit code of a command run remotely (gantry run)
    return err.exitCode;
  }
  if (err instanceof ApiError || isGantryError(err)) {
    print(err.message);
    return EXIT.failure;
  }
  const e = err as Error;
  print(process.env.GANTRY_DEBUG ? (e?.stack ?? String(e)) : `${e?.message ?? String(e)} (set GANTRY_DEBUG=1 for details)`);
  return EXIT.failure;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  if (argv.length === 0) {
    program.outputHelp();
    return EXIT.ok;
  }
  try {
    await program.parseAsync(joinTopic(argv, new Set(commandNames(program, true))), { from: 'user' });
    return EXIT.ok;
  } catch (err) {
    return report(err);
  }
}

// `gantry logs | head`: a closed pipe ends the output, it is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

process.exitCode = await main(process.argv.slice(2));
