/** config, config:get, config:set, config:unset. */
import { parseAssignments, isGantryError } from '@gantry/core';
import type { Command } from 'commander';
import { CliError, checkConfigKey } from '../args';
import { client, resolveApp, withApp } from '../context';
import { shellQuote } from '../git';
import { heading, info, print, printFields, printJson, spinner } from '../output';
import { followRelease } from './releases';

/** KEY=VALUE, quoted for the shell (and .env readers) only when needed. */
export function shellLine(key: string, value: string): string {
  return `${key}=${/^[A-Za-z0-9_@%+=:,./-]*$/.test(value) ? value : shellQuote(value)}`;
}

function assignments(args: string[]): Record<string, string> {
  try {
    return parseAssignments(args);
  } catch (e) {
    if (isGantryError(e)) throw new CliError(e.message);
    throw e;
  }
}

async function change(appOpt: string | undefined, vars: Record<string, string | null>, wait: boolean, verb: 'Setting' | 'Unsetting'): Promise<void> {
  const app = await resolveApp(appOpt);
  const api = client();
  const spin = spinner(`${verb} ${Object.keys(vars).join(', ')} and restarting ${app}`);
  const out = await api.setConfig(app, vars).catch((e: unknown) => {
    spin.stop('failed');
    throw e;
  });
  spin.stop(out.release ? `done, v${out.release.version}` : 'done, nothing changed');
  if (verb === 'Setting') printFields(Object.keys(vars).map((k) => [k, out.config[k] ?? '']));
  if (out.release?.imageRef) {
    const what = Object.entries(vars).map(([k, v]) => (v === null ? `removing ${k}` : `${k}=${v}`)).join(', ');
    const replaces = out.replaces ? ` It replaces v${out.replaces}, which was still deploying, with the same build.` : '';
    info(`${what} ${Object.keys(vars).length > 1 ? 'are' : 'is'} included in v${out.release.version}, deploying now.${replaces}`);
  }
  if (out.release && wait) await followRelease(api, app, out.release);
}

export function register(program: Command): void {
  program.commandsGroup('Config vars:');

  withApp(program.command('config'))
    .description('show the config vars of an app')
    .option('--json', 'output as a JSON object')
    .option('-s, --shell', 'output KEY=VALUE lines (quoted for the shell when needed)')
    .addHelpText('after', '\nExamples:\n  $ gantry config -a my-app\n  $ gantry config --shell > .env')
    .action(async (opts: { app?: string; json?: boolean; shell?: boolean }) => {
      const app = await resolveApp(opts.app);
      const vars = await client().config(app);
      const keys = Object.keys(vars).sort();
      if (opts.json) return printJson(vars);
      if (opts.shell) return keys.forEach((k) => print(shellLine(k, vars[k]!)));
      if (keys.length === 0) return info(`${app} has no config vars.`);
      heading(`${app} Config Vars`);
      printFields(keys.map((k) => [k, vars[k]!]));
    });

  withApp(program.command('config:get'))
    .argument('<key>', 'config var name')
    .description('print the value of one config var (an empty line when unset)')
    .addHelpText('after', '\nExamples:\n  $ gantry config:get DATABASE_URL -a my-app')
    .action(async (key: string, opts: { app?: string }) => {
      checkConfigKey(key);
      const app = await resolveApp(opts.app);
      const vars = await client().config(app);
      print(vars[key] ?? '');
    });

  withApp(program.command('config:set'))
    .argument('<KEY=VALUE...>', 'one or more assignments')
    .description('set config vars; creates a release and restarts the app')
    .option('--no-wait', 'do not wait for the new release to deploy')
    .addHelpText(
      'after',
      `
Prints the new release and then follows its deploy until it succeeded or failed (up to 120 s);
a failed deploy exits with 1 and the previous release keeps serving.

Examples:
  $ gantry config:set NODE_ENV=production -a my-app
  $ gantry config:set "GREETING=hello world" LEVEL=debug --no-wait`,
    )
    .action(async (args: string[], opts: { app?: string; wait: boolean }) => {
      await change(opts.app, assignments(args), opts.wait, 'Setting');
    });

  withApp(program.command('config:unset'))
    .argument('<KEY...>', 'one or more config var names')
    .description('remove config vars; creates a release and restarts the app')
    .option('--no-wait', 'do not wait for the new release to deploy')
    .addHelpText('after', '\nExamples:\n  $ gantry config:unset LEVEL GREETING -a my-app')
    .action(async (keys: string[], opts: { app?: string; wait: boolean }) => {
      keys.forEach(checkConfigKey);
      await change(opts.app, Object.fromEntries(keys.map((k) => [k, null])), opts.wait, 'Unsetting');
    });
}
