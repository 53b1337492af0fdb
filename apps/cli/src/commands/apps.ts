/** apps, apps:create, apps:info, apps:destroy, open. */
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { AddonView, AppInfoView, GantryClient, VolumeView } from '@gantry/api-client';
import type { Command } from 'commander';
import { CliError, appFromGitUrl, checkAppName } from '../args';
import { REMOTE, client, resolveApp, withApp } from '../context';
import { connectRepo, insideRepo, remoteUrl, removeRemote, setRemote } from '../git';
import { ago, heading, info, print, printFields, printJson, printTable, spinner, warn } from '../output';
import { ask, stdinIsTTY } from '../prompt';

function releaseLine(r: AppInfoView['release']): string {
  if (!r) return 'none yet';
  const when = r.deployedAt ? `, deployed ${ago(r.deployedAt)}` : '';
  return `v${r.version} ${r.status}${when} (${r.description})`;
}

function printInfo(app: AppInfoView): void {
  heading(app.name);
  const fields: [string, string][] = [
    ['Web URL', app.url],
    ['Git URL', app.gitUrl],
    ['Release', releaseLine(app.release)],
  ];
  if (app.latestRelease && app.latestRelease.version !== app.release?.version) {
    fields.push(['Latest release', `v${app.latestRelease.version} ${app.latestRelease.status}${app.latestRelease.statusReason ? `: ${app.latestRelease.statusReason}` : ''}`]);
  }
  const b = app.latestBuild;
  fields.push(['Latest build', b ? `#${b.number} ${b.status} ${ago(b.createdAt)} (${b.commit.slice(0, 7)}${b.strategy ? `, ${b.strategy}` : ''})` : 'none yet']);
  fields.push(['Formation', app.formation.length ? app.formation.map((f) => `${f.type}=${f.quantity} (${f.size})`).join(', ') : 'none yet']);
  if (app.privateNames?.length) fields.push(['Private names', `${app.privateNames.map((n) => n.name).join(', ')} (port ${app.privatePort}, from the team's apps)`]);
  fields.push(['Created', `${app.createdAt} (${ago(app.createdAt)})`]);
  printFields(fields);
}

/**
 * The add-ons attached to an app and its volumes, named before apps:destroy so that no data goes
 * unnoticed ("" when it has none). Pure; `dataOf` fetches the lists.
 */
export function dataNotice(app: string, addons: readonly AddonView[], volumes: readonly VolumeView[]): string {
  const parts: string[] = [];
  if (addons.length) parts.push(`add-ons attached: ${addons.map((a) => `${a.name} (${a.attachments.filter((t) => t.app === app).map((t) => t.configVar).join(', ') || a.kind})`).join(', ')}`);
  if (volumes.length) parts.push(`volumes: ${volumes.map((v) => `${v.name} (on ${v.host})`).join(', ')}`);
  return parts.length ? `${app} has ${parts.join('; ')} (see addons:destroy and volumes:destroy).` : '';
}

/** Best effort: an API without these routes, or an unknown app, gives "" (the destroy reports the rest). */
async function dataOf(api: GantryClient, app: string): Promise<string> {
  const [addons, volumes] = await Promise.all([api.addons(app).catch(() => []), api.volumes(app).catch(() => [])]);
  return dataNotice(app, addons, volumes);
}

function onPath(cmd: string): boolean {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    try {
      accessSync(join(dir, cmd), constants.X_OK);
      return true;
    } catch {
      /* next */
    }
  }
  return false;
}

/** Opens a URL in a browser, without ever failing the command. */
function openBrowser(url: string): void {
  const opener = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  try {
    const child = spawn(opener, [url], { stdio: 'ignore', detached: true });
    child.on('error', (e) => warn(`Could not open a browser (${opener}: ${e.message}).`));
    child.unref();
  } catch (e) {
    warn(`Could not open a browser (${(e as Error).message}).`);
  }
}

export function register(program: Command): void {
  program.commandsGroup('Apps:');

  program
    .command('apps')
    .description('list your apps')
    .option('--json', 'output as JSON')
    .addHelpText('after', '\nExamples:\n  $ gantry apps\n  $ gantry apps --json | jq -r ".[].name"')
    .action(async (opts: { json?: boolean }) => {
      const apps = await client().apps();
      if (opts.json) return printJson(apps);
      if (apps.length === 0) return info('You have no apps. Create one with `gantry apps:create`.');
      printTable(
        [{ header: 'Name' }, { header: 'Release' }, { header: 'URL', shrink: true }, { header: 'Created' }],
        apps.map((a) => [a.name, a.currentRelease ? `v${a.currentRelease}` : '-', a.url, ago(a.createdAt)]),
      );
    });

  program
    .command('apps:create')
    .alias('create')
    .argument('[name]', 'app name (3-30 lowercase letters, digits, dashes); generated when omitted')
    .description('create an app; inside a git repo also add the gantry remote and credential helper')
    .option('--no-remote', 'do not touch the git repository in the current directory')
    .option('-t, --team <team>', 'team the app belongs to (default: your personal team)')
    .option('--json', 'output the app as JSON')
    .addHelpText(
      'after',
      `
Inside a git repository this also points the "gantry" remote at the app and sets git's
credential helper for the Gantry git host to this CLI (repo-local; no token in .git/config),
so \`git push gantry main\` just works.

Examples:
  $ gantry apps:create
  $ gantry apps:create my-app
  $ gantry apps:create my-app --no-remote
  $ gantry apps:create shop --team acme`,
    )
    .action(async (name: string | undefined, opts: { remote: boolean; team?: string; json?: boolean }) => {
      if (name !== undefined) checkAppName(name);
      const api = client();
      const spin = spinner(name ? `Creating ${name}` : 'Creating app');
      const app = await (opts.team ? api.createAppInTeam(opts.team, name) : api.createApp(name)).catch((e: unknown) => {
        spin.stop('failed');
        throw e;
      });
      spin.stop(name ? 'done' : `done, ${app.name}`);
      if (opts.json) printJson(app);
      else print(`${app.url} | ${app.gitUrl}`);
      if (!opts.remote) return;
      const cwd = process.cwd();
      if (await insideRepo(cwd)) for (const line of await connectRepo(app, REMOTE, cwd)) info(line);
      else info(`Not inside a git repository: later, run \`gantry git:remote -a ${app.name}\` in your app's repository.`);
    });

  withApp(program.command('apps:info').alias('info'))
    .description('show an app: URLs, current release, latest build, formation')
    .option('--json', 'output as JSON')
    .addHelpText('after', '\nExamples:\n  $ gantry apps:info -a my-app\n  $ gantry info          # app of the gantry git remote')
    .action(async (opts: { app?: string; json?: boolean }) => {
      const app = await resolveApp(opts.app);
      const view = await client().appInfo(app);
      if (opts.json) printJson(view);
      else printInfo(view);
    });

  withApp(program.command('apps:destroy').alias('destroy'))
    .description('permanently destroy an app with its releases, builds, config and instances')
    .option('--confirm <name>', 'the app\'s name, to confirm without a prompt')
    .addHelpText(
      'after',
      `
Without --confirm, asks you to type the app's name (on a terminal) or refuses (exit 1). Add-ons
attached to the app and its volumes are named first.

Examples:
  $ gantry apps:destroy -a my-app --confirm my-app`,
    )
    .action(async (opts: { app?: string; confirm?: string }) => {
      const app = await resolveApp(opts.app);
      if (opts.confirm !== undefined && opts.confirm !== app) throw new CliError(`--confirm ${opts.confirm} does not match the app ${app}; nothing was destroyed.`);
      const api = client();
      const data = await dataOf(api, app);
      if (opts.confirm !== undefined) {
        if (data) info(data);
      } else if (stdinIsTTY() && process.stderr.isTTY) {
        warn(`This permanently destroys ${app}: its releases, builds, config and running instances (its volumes and add-ons are kept).${data ? `\n${data}` : ''}\nType the app's name to proceed, or re-run with --confirm ${app}.`);
        const typed = await ask('> ');
        if (typed !== app) throw new CliError(`Confirmation did not match ${app}; nothing was destroyed.`);
      } else {
        throw new CliError(`This would permanently destroy ${app} (releases, builds, config, instances).${data ? `\n${data}` : ''}\nTo proceed, re-run with --confirm ${app}`);
      }
      const spin = spinner(`Destroying ${app}`);
      const destroyed = await api.destroyApp(app, app).catch((e: unknown) => {
        spin.stop('failed');
        throw e;
      });
      spin.stop('done');
      // Volumes and add-ons are never destroyed with the app: say what stays and how to remove it.
      for (const v of destroyed?.kept.volumes ?? []) info(`Kept volume ${v.name}${v.host ? ` on ${v.host}` : ''} (was ${v.processType} at ${v.mountPath}); to destroy it: ${v.destroy}`);
      for (const a of destroyed?.kept.addons ?? []) info(`Kept add-on ${a.name} (${a.kind}, was attached as ${a.as}); to destroy it: ${a.destroy}`);
      const cwd = process.cwd();
      const url = await remoteUrl(REMOTE, cwd);
      if (url && appFromGitUrl(url) === app) {
        await removeRemote(REMOTE, cwd);
        info(`Removed git remote ${REMOTE}`);
      }
    });

  withApp(program.command('apps:rename').alias('rename'))
    .argument('<newname>', 'the new name (3-30 lowercase letters, digits, dashes)')
    .description('rename an app: its URL moves to the new name; the gantry git remote follows')
    .addHelpText(
      'after',
      `
The app answers at its new hostname at once and no longer at the old one (custom domains stay).
When the "gantry" git remote of the current directory points at the app, it is updated, so
\`git push gantry main\` keeps working; other clones need \`gantry git:remote -a NEWNAME\`.

Examples:
  $ gantry apps:rename new-name -a old-name
  $ gantry rename new-name          # app of the gantry git remote`,
    )
    .action(async (newName: string, opts: { app?: string }) => {
      checkAppName(newName);
      const app = await resolveApp(opts.app);
      const spin = spinner(`Renaming ${app} to ${newName}`);
      const view = await client()
        .renameApp(app, newName)
        .catch((e: unknown) => {
          spin.stop('failed');
          throw e;
        });
      spin.stop('done');
      print(`${view.url} | ${view.gitUrl}`);
      const cwd = process.cwd();
      const url = await remoteUrl(REMOTE, cwd);
      if (url && appFromGitUrl(url) === app) {
        await setRemote(REMOTE, view.gitUrl, cwd);
        info(`Git remote ${REMOTE} updated → ${view.gitUrl}`);
      } else {
        info(`Other clones of the app: run \`gantry git:remote -a ${newName}\` in them.`);
      }
    });

  withApp(program.command('open').alias('apps:open'))
    .argument('[path]', 'path to open, e.g. /admin', '')
    .description('print the app\'s URL and open it in a browser when one is available')
    .option('--browser', 'always try to open a browser')
    .addHelpText(
      'after',
      `
A browser is opened with --browser, or when DISPLAY is set and xdg-open exists. Never fails for
want of a browser: the URL is always printed.

Examples:
  $ gantry open
  $ gantry open /health -a my-app --browser`,
    )
    .action(async (path: string, opts: { app?: string; browser?: boolean }) => {
      const app = await resolveApp(opts.app);
      const view = await client().appInfo(app);
      const url = new URL(path.replace(/^\/*/, '/'), view.url).toString();
      print(url);
      if (opts.browser || (process.env.DISPLAY && onPath('xdg-open'))) openBrowser(url);
    });
}
