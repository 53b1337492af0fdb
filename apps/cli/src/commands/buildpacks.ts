/** buildpacks, buildpacks:add, :set, :remove, :clear: the app's own buildpack list, as on Heroku. */
import type { BuildpackEditBody, BuildpacksView } from '@gantry/api-client';
import type { Command } from 'commander';
import { checkBuildpackEntry } from '@gantry/core';
import { CliError } from '../args';
import { client, resolveApp, withApp } from '../context';
import { heading, info, print, printJson } from '../output';

/** Checked before any network call, with the same rules as the API. */
function checkEntry(input: string): string {
  try {
    return checkBuildpackEntry(input);
  } catch (err) {
    throw new CliError((err as Error).message);
  }
}

/** "--index 2" -> 2; anything but a whole number from 1 is a usage error. */
export function parseIndex(input: string | undefined): number | undefined {
  if (input === undefined) return undefined;
  if (!/^\d{1,3}$/.test(input.trim()) || Number(input) < 1) throw new CliError(`--index must be a whole number from 1, not ${JSON.stringify(input)}.`);
  return Number(input);
}

function numbered(list: string[]): string[] {
  return list.map((b, i) => `  ${i + 1}. ${b}`);
}

/** What the next build will do, in Heroku's words. */
function nextBuild(done: string, v: BuildpacksView): void {
  if (v.buildpacks.length === 0) return info(`${done} Next release on ${v.app} will detect the buildpack normally (or use .buildpacks, app.json or BUILDPACK_URL).`);
  if (v.buildpacks.length === 1) info(`${done} Next release on ${v.app} will use ${v.buildpacks[0]}.`);
  else {
    info(`${done} Next release on ${v.app} will use:`);
    for (const l of numbered(v.buildpacks)) info(l);
  }
  info(`Run git push gantry main to create a new release using ${v.buildpacks.length === 1 ? 'this buildpack' : 'these buildpacks'}.`);
}

async function edit(appOpt: string | undefined, body: BuildpackEditBody, done: string): Promise<void> {
  const app = await resolveApp(appOpt);
  nextBuild(done, await client().editBuildpacks(app, body));
}

export function register(program: Command): void {
  program.commandsGroup('Buildpacks:');

  withApp(program.command('buildpacks'))
    .description('list the buildpacks the app\'s next build uses, in order')
    .option('--json', 'output as JSON')
    .addHelpText(
      'after',
      `
The list set here wins; without one, a build uses the first of: a .buildpacks file at the root of
the repository (one name or URL per line), app.json "buildpacks", the BUILDPACK_URL config var,
or detection over the built-in buildpacks (nodejs, static, procfile).

Examples:
  $ gantry buildpacks -a my-app
  $ gantry buildpacks --json`,
    )
    .action(async (opts: { app?: string; json?: boolean }) => {
      const v = await client().buildpacks(await resolveApp(opts.app));
      if (opts.json) return printJson(v);
      if (v.buildpacks.length === 0) return info(`${v.app} has no buildpacks set: builds use .buildpacks, app.json, BUILDPACK_URL or detection.`);
      heading(`${v.app} Buildpack URL${v.buildpacks.length > 1 ? 's' : ''}`);
      for (const l of numbered(v.buildpacks)) print(l.trimStart());
    });

  withApp(program.command('buildpacks:add'))
    .argument('<buildpack>', 'a built-in name (nodejs, heroku/nodejs) or an http(s) git URL, optionally with #ref')
    .option('-i, --index <n>', 'put it at this position (1 = runs first); default: last')
    .description('add a buildpack to the app\'s list (multi-buildpack: each runs in order)')
    .addHelpText(
      'after',
      `
Each buildpack's compile sees the "export" file of the ones before it. Git URLs are cloned at
build time, through the installation's egress policy.

Examples:
  $ gantry buildpacks:add https://git.example.com/buildpacks/ffmpeg.git#v2 --index 1
  $ gantry buildpacks:add heroku/nodejs`,
    )
    .action(async (url: string, opts: { app?: string; index?: string }) => {
      const index = parseIndex(opts.index);
      await edit(opts.app, { action: 'add', url: checkEntry(url), ...(index !== undefined ? { index } : {}) }, 'Buildpack added.');
    });

  withApp(program.command('buildpacks:set'))
    .argument('<buildpack>', 'a built-in name or an http(s) git URL')
    .option('-i, --index <n>', 'replace only the buildpack at this position')
    .description('set the app\'s buildpack (replaces the list, or the entry at --index)')
    .addHelpText('after', '\nExamples:\n  $ gantry buildpacks:set heroku/nodejs\n  $ gantry buildpacks:set https://git.example.com/bp.git --index 2')
    .action(async (url: string, opts: { app?: string; index?: string }) => {
      const index = parseIndex(opts.index);
      await edit(opts.app, { action: 'set', url: checkEntry(url), ...(index !== undefined ? { index } : {}) }, 'Buildpack set.');
    });

  withApp(program.command('buildpacks:remove'))
    .argument('[buildpack]', 'the name or URL to remove')
    .option('-i, --index <n>', 'remove the buildpack at this position')
    .description('remove a buildpack from the app\'s list')
    .addHelpText('after', '\nExamples:\n  $ gantry buildpacks:remove heroku/nodejs\n  $ gantry buildpacks:remove --index 1')
    .action(async (url: string | undefined, opts: { app?: string; index?: string }) => {
      const index = parseIndex(opts.index);
      if ((url === undefined) === (index === undefined)) throw new CliError('Give the buildpack to remove, or --index N, not both.', 2);
      await edit(opts.app, url !== undefined ? { action: 'remove', url: url.trim() } : { action: 'remove', index: index! }, 'Buildpack removed.');
    });

  withApp(program.command('buildpacks:clear'))
    .description('clear the app\'s buildpack list (builds go back to .buildpacks, app.json, BUILDPACK_URL or detection)')
    .addHelpText('after', '\nExamples:\n  $ gantry buildpacks:clear -a my-app')
    .action(async (opts: { app?: string }) => {
      await edit(opts.app, { action: 'clear' }, 'Buildpacks cleared.');
    });
}
