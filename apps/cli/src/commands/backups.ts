/**
 * pg:backups* and redis:backups*: capture, list, restore, download and schedule backups of an
 * add-on (Postgres: pg_dump custom format; Redis: an RDB snapshot), stored off its host with a
 * sha256. A backup that fails, or whose check fails, is printed in red and exits non-zero.
 */
import type { AddonKind, BackupView, GantryClient } from '@gantry/api-client';
import { ApiError } from '@gantry/api-client';
import type { Command } from 'commander';
import { CliError } from '../args';
import { backupFileName, checkAddonName, parseBackupTime, parseKeep, pickAddon, pickBackup, splitBackupArgs } from '../addon-args';
import { resolveAddon, topicOf } from '../addon-context';
import { BACKUP_COLUMNS, backupProblem, backupRows, backupSummary } from '../backup-table';
import { confirmLoss } from '../confirm';
import { client, resolveApp, withApp } from '../context';
import { writeVerified } from '../download';
import { err, heading, humanBytes, info, print, printFields, printJson, printTable, spinner, withSpinner } from '../output';

/** Ends the command with a red line and exit 1 (a failed backup must not pass unseen). */
function failRed(message: string): never {
  info(err.red(`✖ ${message}`));
  throw new CliError('', 1);
}

/** The add-on a restore goes into with --to APP: that app's add-on of the kind (as DATABASE / REDIS, or its only one). */
async function targetOf(api: GantryClient, toApp: string, kind: AddonKind): Promise<string> {
  return pickAddon(await api.addons(toApp), kind, toApp).name;
}

function registerKind(program: Command, kind: AddonKind): void {
  const t = topicOf(kind);
  const what = kind === 'postgres' ? 'pg_dump custom-format file' : 'RDB snapshot';
  const example = `${kind}-shiny-1234`;

  withApp(program.command(`${t}:backups`))
    .argument('[name]', `the add-on's name (default: the app's ${kind} add-on)`)
    .description(`list the backups of a ${kind} add-on, newest first, with their check`)
    .option('--json', 'output as JSON')
    .addHelpText(
      'after',
      `
Status is red for a failed backup, with its reason; Verify says whether the backup, restored into
a scratch server, gave the same row counts as the source. Exits 1 when the newest backup, or the
newest check, failed (so a script or a monitor sees it).

Examples:
  $ gantry ${t}:backups -a shop
  $ gantry ${t}:backups ${example} --json`,
    )
    .action(async (name: string | undefined, opts: { app?: string; json?: boolean }) => {
      if (name !== undefined) checkAddonName(name);
      const api = client();
      const addon = await resolveAddon(api, name, opts.app, kind);
      const backups = await api.backups(addon.name);
      if (opts.json) printJson(backups);
      else if (backups.length === 0) info(`${addon.name} has no backups yet. Take one: gantry ${t}:backups:capture ${addon.name}`);
      else {
        heading(`${addon.name} Backups`);
        printTable(BACKUP_COLUMNS, backupRows(backups));
        info(addon.backupSchedule ? `Scheduled daily at ${addon.backupSchedule.at} UTC, ${addon.backupSchedule.keep} kept.` : `No schedule: gantry ${t}:backups:schedule ${addon.name} --at 02:00`);
      }
      const problem = backupProblem(backups);
      if (problem) failRed(problem);
    });

  withApp(program.command(`${t}:backups:capture`))
    .argument('[name]', `the add-on's name (default: the app's ${kind} add-on)`)
    .description(`take a backup now (${kind === 'postgres' ? 'a' : 'an'} ${what}, stored off the add-on's host)`)
    .addHelpText('after', `\nWaits until the backup is stored; a failure is printed in red and exits 1.\n\nExamples:\n  $ gantry ${t}:backups:capture -a shop`)
    .action(async (name: string | undefined, opts: { app?: string }) => {
      if (name !== undefined) checkAddonName(name);
      const api = client();
      const addon = await resolveAddon(api, name, opts.app, kind);
      let b: BackupView;
      try {
        b = await withSpinner(`Backing up ${addon.name}`, () => api.captureBackup(addon.name), (x) => (x.status === 'succeeded' ? `done, ${x.id}` : x.status));
      } catch (e) {
        if (e instanceof ApiError && e.status >= 500) failRed(`The backup of ${addon.name} failed: ${e.message}`);
        if (e instanceof ApiError && e.id === 'timeout') failRed(`${e.message} See \`gantry ${t}:backups ${addon.name}\` for how the backup ended.`);
        throw e;
      }
      if (b.status === 'failed') failRed(`The backup ${b.id} of ${addon.name} failed: ${b.error ?? 'no reason given'}`);
      printFields([
        ['Backup', b.id],
        ['Size', b.bytes === null ? '-' : humanBytes(b.bytes)],
        ['sha256', b.sha256 ?? '-'],
        ['Stored at', b.location ?? '-'],
      ]);
    });

  withApp(program.command(`${t}:backups:info`))
    .argument('[id]', 'the backup (b003; default: the newest)')
    .argument('[name]', `the add-on's name (default: the app's ${kind} add-on)`)
    .description('show one backup: status, size, checksum, where it is stored, its check')
    .option('--json', 'output as JSON')
    .addHelpText('after', `\nExamples:\n  $ gantry ${t}:backups:info b003 -a shop`)
    .action(async (a: string | undefined, b: string | undefined, opts: { app?: string; json?: boolean }) => {
      const { id, addon: name } = splitBackupArgs([a, b]);
      const api = client();
      const addon = await resolveAddon(api, name, opts.app, kind);
      const backup = id ? await api.backup(addon.name, id) : (await api.backups(addon.name))[0];
      if (!backup) throw new CliError(`${addon.name} has no backups yet.`);
      if (opts.json) return printJson(backup);
      heading(`${addon.name} ${backup.id}`);
      printFields([
        ['Status', backupSummary(backup)],
        ['Trigger', backup.trigger],
        ['sha256', backup.sha256 ?? '-'],
        ['Stored at', backup.location ?? '-'],
        ['Verify', backup.verifyDetail ?? backup.verify ?? 'not verified'],
        ['Finished', backup.finishedAt ?? '-'],
      ]);
      if (backup.status === 'failed' || backup.verify === 'failed') failRed(backup.status === 'failed' ? `${backup.id} failed: ${backup.error ?? 'no reason given'}` : `The check of ${backup.id} failed: ${backup.verifyDetail ?? ''}`);
    });

  withApp(program.command(`${t}:backups:restore`))
    .argument('[id]', 'the backup (b003; default: the newest that succeeded)')
    .argument('[name]', `the add-on the backup is of (default: the app's ${kind} add-on)`)
    .description('restore a backup into the add-on, or into another app\'s add-on with --to (replaces its data)')
    .option('--to <app>', `restore into this app's ${kind} add-on instead (same team)`)
    .option('--confirm <name>', 'the name of the add-on whose data is replaced, to confirm without a prompt')
    .addHelpText(
      'after',
      `
Everything in the target add-on is replaced by the backup's data. Without --confirm, asks you to
type the target's name (on a terminal) or refuses (exit 1).

Examples:
  $ gantry ${t}:backups:restore -a shop --confirm ${example}
  $ gantry ${t}:backups:restore b003 ${example} --to shop-staging --confirm ${kind}-calm-4821`,
    )
    .action(async (a: string | undefined, b: string | undefined, opts: { app?: string; to?: string; confirm?: string }) => {
      const { id, addon: name } = splitBackupArgs([a, b]);
      const toApp = opts.to === undefined ? undefined : await resolveApp(opts.to);
      const api = client();
      const source = await resolveAddon(api, name, opts.app, kind);
      const backup = pickBackup(await api.backups(source.name), source.name, id, t);
      const target = toApp ? await targetOf(api, toApp, kind) : source.name;
      await confirmLoss({ name: target, action: `replace the data of ${target} with backup ${backup.id} of ${source.name}`, lost: `everything now in ${target}`, given: opts.confirm });
      let done: BackupView;
      try {
        done = await withSpinner(`Restoring ${backup.id} of ${source.name} into ${target}`, () => api.restoreBackup(source.name, backup.id, target === source.name ? undefined : target));
      } catch (e) {
        if (e instanceof ApiError && e.status >= 500) failRed(`The restore into ${target} failed: ${e.message}`);
        if (e instanceof ApiError && e.id === 'timeout') failRed(`${e.message} See \`gantry ${t}:info ${target}\` for the state of ${target}.`);
        throw e;
      }
      info(`${target} now holds the data of ${done.id} (${done.createdAt}).`);
    });

  withApp(program.command(`${t}:backups:download`))
    .argument('[id]', 'the backup (b003; default: the newest that succeeded)')
    .argument('[name]', `the add-on's name (default: the app's ${kind} add-on)`)
    .description(`download a backup (a standard ${what}), checking its sha256 while writing`)
    .option('-o, --output <file>', `where to write it (default: <addon>-<id>.${kind === 'redis' ? 'rdb' : 'dump'})`)
    .addHelpText(
      'after',
      `
The file is written as FILE.partial and renamed once its sha256 matches the one stored with the
backup; on a mismatch or a cut download it is deleted and the command exits 1.${kind === 'postgres' ? '\nRestore it anywhere with: pg_restore --no-owner -d DB FILE' : ''}

Examples:
  $ gantry ${t}:backups:download -a shop
  $ gantry ${t}:backups:download b003 ${example} -o latest.${kind === 'redis' ? 'rdb' : 'dump'}`,
    )
    .action(async (a: string | undefined, b: string | undefined, opts: { app?: string; output?: string }) => {
      const { id, addon: name } = splitBackupArgs([a, b]);
      if (opts.output !== undefined && (opts.output.trim() === '' || opts.output.endsWith('/'))) throw new CliError(`Invalid -o ${JSON.stringify(opts.output)}: name a file.`);
      const api = client();
      const addon = await resolveAddon(api, name, opts.app, kind);
      const backup = pickBackup(await api.backups(addon.name), addon.name, id, t);
      const file = opts.output ?? backupFileName(addon.name, backup.id, kind);
      const spin = spinner(`Downloading ${backup.id} of ${addon.name} to ${file}`);
      try {
        const dl = await api.downloadBackup(addon.name, backup.id);
        const written = await writeVerified(dl.body, file, { sha256: dl.sha256, bytes: dl.bytes });
        spin.stop(`done, ${humanBytes(written.bytes)}, sha256 checked`);
      } catch (e) {
        spin.stop('failed');
        if (e instanceof CliError) failRed(e.message);
        throw e;
      }
      print(file);
    });

  withApp(program.command(`${t}:backups:schedule`))
    .argument('[name]', `the add-on's name (default: the app's ${kind} add-on)`)
    .description('take a backup every day at a UTC time, keep the newest N, verify each')
    .requiredOption('--at <HH:MM>', 'the time of day, UTC (00:00-23:59)')
    .option('--keep <n>', 'how many scheduled backups to keep (1-90)', '7')
    .addHelpText('after', `\nEach scheduled backup is restored into a scratch server and its row counts compared with the source; a\nfailure goes to the app's log and drains and shows in red in ${t}:backups.\n\nExamples:\n  $ gantry ${t}:backups:schedule -a shop --at 02:00 --keep 14`)
    .action(async (name: string | undefined, opts: { app?: string; at: string; keep: string }) => {
      if (name !== undefined) checkAddonName(name);
      const at = parseBackupTime(opts.at);
      const keep = parseKeep(opts.keep);
      const api = client();
      const addon = await resolveAddon(api, name, opts.app, kind);
      const after = await api.scheduleBackups(addon.name, at, keep);
      info(`${after.name} is backed up daily at ${after.backupSchedule?.at ?? at} UTC; the newest ${after.backupSchedule?.keep ?? keep} scheduled backups are kept.`);
    });

  withApp(program.command(`${t}:backups:unschedule`))
    .argument('[name]', `the add-on's name (default: the app's ${kind} add-on)`)
    .description('stop the daily backups (existing backups are kept)')
    .addHelpText('after', `\nExamples:\n  $ gantry ${t}:backups:unschedule -a shop`)
    .action(async (name: string | undefined, opts: { app?: string }) => {
      if (name !== undefined) checkAddonName(name);
      const api = client();
      const addon = await resolveAddon(api, name, opts.app, kind);
      await api.unscheduleBackups(addon.name);
      info(`${addon.name} is no longer backed up daily; its backups are kept.`);
    });
}

export function register(program: Command): void {
  program.commandsGroup('Backups:');
  registerKind(program, 'postgres');
  registerKind(program, 'redis');
}
