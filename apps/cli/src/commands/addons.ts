/**
 * addons, addons:create, addons:info, addons:attach, addons:detach, addons:destroy: managed
 * Postgres and Redis servers of a team, each on one host, reachable on the team's private network
 * and handed to apps as <AS>_URL config vars (a new release of each app).
 */
import type { AddonView } from '@gantry/api-client';
import type { Command } from 'commander';
import { checkHostName, formatConstraint, parseConstraint } from '../args';
import { moveSummary } from './volumes';
import { ADDON_PLANS, checkAddonName, parseAddonKind, parseAttachmentName, parsePlan } from '../addon-args';
import { changeLine, followChange, topicOf } from '../addon-context';
import { backupSummary } from '../backup-table';
import { confirmLoss } from '../confirm';
import { client, resolveApp, withApp } from '../context';
import { ago, heading, humanBytes, info, print, printFields, printJson, printTable, withSpinner } from '../output';

/** "shop::DATABASE, admin::ANALYTICS" (Heroku's app::attachment). */
export function attachedAs(a: AddonView): string {
  return a.attachments.length ? a.attachments.map((t) => `${t.app}::${t.name}`).join(', ') : '-';
}

export function addonFields(a: AddonView): [string, string][] {
  return [
    ['Kind', `${a.kind} (${a.plan})`],
    ['State', a.state],
    ['Team', a.team],
    ['Host', a.host ?? 'not placed yet'],
    ['Private name', `${a.privateName}:${a.port} (the team's private network only)`],
    ['Volume', a.volume],
    ['Attached as', a.attachments.length ? a.attachments.map((t) => `${t.configVar} of ${t.app}`).join(', ') : 'nothing (addons:attach)'],
    ['Last backup', backupSummary(a.lastBackup)],
    ['Backups', a.backupSchedule ? `daily at ${a.backupSchedule.at} UTC, ${a.backupSchedule.keep} kept` : `not scheduled (${topicOf(a.kind)}:backups:schedule)`],
    ...(a.ha ? haFields(a.ha) : []),
    ['Created', `${a.createdAt} (${ago(a.createdAt)})`],
  ];
}

/** An HA add-on's cluster: the leader, then each member and its etcd with host, role and state. */
export function haFields(ha: NonNullable<AddonView['ha']>): [string, string][] {
  const member = (m: NonNullable<AddonView['ha']>['members'][number]) =>
    `${m.host ?? 'not placed'}: ${m.role}${m.type === 'etcd' ? '' : `, ${m.state}${m.sync ? ', synchronous standby' : ''}${m.lagBytes ? `, ${humanBytes(m.lagBytes)} behind` : ''}`}`;
  return [
    ['HA leader', ha.leader ?? 'none elected'],
    ...ha.members.map((m): [string, string] => [`  ${m.name}`, member(m)]),
    ...(ha.error ? [['HA status', `its etcd did not answer: ${ha.error}`] as [string, string]] : []),
  ];
}

/** What destroying an add-on loses, for the confirmation. */
export function destroyLoss(a: AddonView | undefined): string {
  if (!a) return 'its server, its data volume and the config vars of the apps it is attached to (a final backup is taken first)';
  const vars = a.attachments.map((t) => `${t.configVar} of ${t.app}`);
  const size = a.lastBackup?.bytes ? ` (last backup ${humanBytes(a.lastBackup.bytes)})` : '';
  return `its ${a.kind} server on ${a.host}, its data volume ${a.volume}${size}${vars.length ? `, and ${vars.join(', ')}` : ''}; a final backup is taken first`;
}

const collect = (v: string, all: string[]) => [...all, v];

export function register(program: Command): void {
  program.commandsGroup('Add-ons:');

  withApp(program.command('addons'))
    .description('list the add-ons attached to an app (--all: every add-on of your teams)')
    .option('--all', 'every add-on of your teams')
    .option('--json', 'output as JSON')
    .addHelpText('after', '\nWithout -a and outside a repo with a gantry remote, lists every add-on of your teams.\n\nExamples:\n  $ gantry addons -a shop\n  $ gantry addons --all --json')
    .action(async (opts: { app?: string; all?: boolean; json?: boolean }) => {
      const api = client();
      let app: string | undefined;
      if (!opts.all) app = await resolveApp(opts.app).catch((e: unknown) => (opts.app === undefined ? undefined : Promise.reject(e)));
      const addons = app ? await api.addons(app) : await api.allAddons();
      if (opts.json) return printJson(addons);
      if (addons.length === 0) return info(app ? `${app} has no add-ons. Create one: gantry addons:create postgres -a ${app}` : 'Your teams have no add-ons.');
      if (app) heading(`${app} Add-ons`);
      printTable(
        [{ header: 'Name' }, { header: 'Kind' }, { header: 'Plan' }, { header: 'State', style: (v) => (v === 'available' ? 'green' : v === 'provisioning' || v === 'restarting' ? 'yellow' : 'red') }, { header: 'Host' }, { header: 'Attached as', shrink: true }],
        addons.map((a) => [a.name, a.kind, a.plan, a.state, a.host ?? '-', attachedAs(a)]),
      );
    });

  withApp(program.command('addons:create'))
    .argument('<kind>', 'postgres or redis')
    .description('provision a Postgres or Redis server for the app and attach it (<AS>_URL in a new release)')
    .option('--as <NAME>', 'config var prefix: DATABASE gives DATABASE_URL (default DATABASE for postgres, REDIS for redis)')
    .option('--plan <plan>', `size of the server: ${ADDON_PLANS.join(', ')}`, 'small')
    .option('--constraint <label=value>', 'only on hosts with this label (label!=value: without); repeatable', collect, [] as string[])
    .option('--ha', 'postgres: a synchronous standby on another host, promoted automatically if the primary\'s host is lost (needs 3 hosts)')
    .option('--wait', 'then follow the app\'s new release until it serves')
    .option('--json', 'output the change as JSON')
    .addHelpText(
      'after',
      `
The server runs on a host the scheduler picks (constraints as for ps:constraints), with its data
on a volume of that host, and answers only on the team's private network at NAME.internal. The
app gets <AS>_URL in a new release, so its release phase can migrate. Provisioning may take a few
minutes on a host that has not run one before.

With --ha (postgres), two Postgres servers run on two hosts, the standby confirming every commit
before the app sees it (synchronous replication), and Patroni, with an etcd on a third host,
promotes the standby when the primary's host is lost: no acknowledged transaction is lost and
NAME.internal follows the new primary.

Examples:
  $ gantry addons:create postgres -a shop
  $ gantry addons:create postgres --as ANALYTICS --plan medium --constraint disk=ssd
  $ gantry addons:create redis -a shop --wait
  $ gantry addons:create postgres --ha -a shop`,
    )
    .action(async (kindArg: string, opts: { app?: string; as?: string; plan: string; constraint: string[]; ha?: boolean; wait?: boolean; json?: boolean }) => {
      const kind = parseAddonKind(kindArg);
      const plan = parsePlan(opts.plan);
      const as = opts.as === undefined ? undefined : parseAttachmentName(opts.as);
      const constraints = opts.constraint.map((c) => formatConstraint(parseConstraint(c)));
      const app = await resolveApp(opts.app);
      const api = client();
      const what = `${kind} add-on (${plan}${opts.ha ? ', HA' : ''})`;
      const change = await withSpinner(`Creating a ${what} for ${app}`, () => api.createAddon(app, { kind, plan, ...(as ? { as } : {}), ...(constraints.length ? { constraints } : {}), ...(opts.ha ? { ha: true } : {}) }), (c) => `done, ${c.addon.name}`);
      if (opts.json) printJson(change);
      else {
        const mine = change.addon.attachments.find((t) => t.app === app);
        printFields([
          ['Add-on', change.addon.name],
          ['Host', change.addon.host ?? 'not placed yet'],
          ...(change.addon.ha ? haFields(change.addon.ha) : []),
          ['Private name', `${change.addon.privateName}:${change.addon.port}`],
          ['Config var', mine ? `${mine.configVar} on ${app}` : '-'],
          ['Release', changeLine(change)],
        ]);
        info(`Backups are not scheduled yet: gantry ${topicOf(kind)}:backups:schedule ${change.addon.name} --at 02:00`);
      }
      if (opts.wait) await followChange(api, change);
    });

  program
    .command('addons:info')
    .argument('<name>', 'the add-on\'s name (see `gantry addons`)')
    .description('show an add-on: kind, plan, state, host, private name, attachments, backups')
    .option('--json', 'output as JSON')
    .addHelpText('after', '\nLive figures (version, size, connections): gantry pg:info NAME / gantry redis:info NAME.\n\nExamples:\n  $ gantry addons:info postgres-shiny-1234')
    .action(async (name: string, opts: { json?: boolean }) => {
      const addon = await client().addon(checkAddonName(name));
      if (opts.json) return printJson(addon);
      heading(addon.name);
      printFields(addonFields(addon));
    });

  withApp(program.command('addons:attach'))
    .argument('<name>', 'the add-on\'s name')
    .description('give another app of the team the add-on: <AS>_URL in a new release of that app')
    .option('--as <NAME>', 'config var prefix (default DATABASE for postgres, REDIS for redis)')
    .option('--wait', 'then follow the new release until it serves')
    .addHelpText('after', '\nOne database shared by several apps of the team, as Heroku\'s attachments.\n\nExamples:\n  $ gantry addons:attach postgres-shiny-1234 -a admin\n  $ gantry addons:attach postgres-shiny-1234 -a reports --as REPORTING')
    .action(async (name: string, opts: { app?: string; as?: string; wait?: boolean }) => {
      checkAddonName(name);
      const as = opts.as === undefined ? undefined : parseAttachmentName(opts.as);
      const app = await resolveApp(opts.app);
      const api = client();
      const change = await withSpinner(`Attaching ${name} to ${app}${as ? ` as ${as}` : ''}`, () => api.attachAddon(name, app, as), changeLine);
      const t = change.addon.attachments.find((x) => x.app === app);
      if (t) info(`${app} has ${t.configVar} now.`);
      if (opts.wait) await followChange(api, change);
    });

  withApp(program.command('addons:detach'))
    .argument('<name>', 'the add-on\'s name')
    .description('take the add-on from an app: its <AS>_URL is removed in a new release (the data stays)')
    .option('--wait', 'then follow the new release until it serves')
    .addHelpText('after', '\nThe add-on and its data stay; destroy it with addons:destroy.\n\nExamples:\n  $ gantry addons:detach postgres-shiny-1234 -a admin')
    .action(async (name: string, opts: { app?: string; wait?: boolean }) => {
      checkAddonName(name);
      const app = await resolveApp(opts.app);
      const api = client();
      const change = await withSpinner(`Detaching ${name} from ${app}`, () => api.detachAddon(name, app), changeLine);
      if (opts.wait) await followChange(api, change);
    });

  program
    .command('addons:destroy')
    .argument('<name>', 'the add-on\'s name')
    .description('destroy an add-on with its data, after a final backup (and say where it is)')
    .option('--confirm <name>', 'the add-on\'s name, to confirm without a prompt')
    .addHelpText(
      'after',
      `
A final backup is taken first; if it fails, nothing is destroyed. The config vars of every app it
is attached to are removed (new releases). Without --confirm, asks you to type the name (on a
terminal) or refuses (exit 1), saying what would be lost.

Examples:
  $ gantry addons:destroy postgres-shiny-1234 --confirm postgres-shiny-1234`,
    )
    .action(async (name: string, opts: { confirm?: string }) => {
      checkAddonName(name);
      const api = client();
      const addon = opts.confirm === undefined ? await api.addon(name) : undefined;
      await confirmLoss({ name, action: `destroy the add-on ${name}`, lost: destroyLoss(addon), given: opts.confirm });
      const out = await withSpinner(`Taking a final backup of ${name}, then destroying it`, () => api.destroyAddon(name, name));
      const b = out.finalBackup;
      print(`Final backup ${b.id}${b.bytes !== null ? ` (${humanBytes(b.bytes)}, sha256 ${b.sha256 ?? '?'})` : ''} kept at ${b.location ?? '?'}.`);
    });

  program
    .command('addons:move')
    .argument('<name>', 'the add-on\'s name')
    .requiredOption('--to <host>', 'the host to move it to')
    .description('move an add-on\'s data and server to another host (Postgres: streaming replication, a pause of seconds)')
    .addHelpText(
      'after',
      `
Postgres: a standby on the new host copies the database and follows its changes while the server
keeps serving; once it has caught up, the server stops, the standby takes over, and the server
starts there on its data: writes pause for seconds, not for the copy.
Redis: the server stops while its data is copied, then starts on the new host (a short pause).
If anything fails, the add-on stays where it was.

Examples:
  $ gantry addons:move postgres-shiny-1234 --to node-2`,
    )
    .action(async (name: string, opts: { to: string }) => {
      checkAddonName(name);
      checkHostName(opts.to);
      const how = name.startsWith('redis-') ? 'the server stops while its data is copied' : 'a standby catches up first';
      const m = await withSpinner(`Moving ${name} to ${opts.to} (${how})`, () => client().moveAddon(name, opts.to));
      info(moveSummary(m));
    });
}
