/**
 * Backups of add-ons: taken inside the server's container (pg_dump's custom format; a Redis RDB
 * snapshot), streamed to the backup store off the add-on's host with their SHA-256, numbered per
 * add-on (b001...). A backup that fails is loud: the call throws BackupFailed (the CLI exits
 * non-zero), the record says failed (the dashboard marks it red), and a line goes to the logs of
 * the add-on and of every app it is attached to (and so to their drains).
 *
 *   capture ─> Backup row (running) ─> exec pg_dump in the server ─> sha256 + size ─> file ─> row (succeeded)
 *   restore ─> check the file's sha256 ─> copy it into the target server ─> pg_restore --clean
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BackupFailed, Conflict, InvalidInput, NotFound, Unavailable } from '@gantry/core';
import { Prisma, type Backup } from '@gantry/db';
import type { Actor, Ctx } from '../context';
import { addonFor, type AddonRow } from './access';
import { credentialsOf, platformOf } from './addons';
import type { AddonServers } from './servers';
import type { SourceCounts } from './row-counts';
import { countKeys, countTables, type Exec } from './source-counts';

const EXT: Record<string, string> = { postgres: 'dump', redis: 'rdb' };
/** Where a restore's file is put inside the server: on its volume (room for it), removed after. */
const RESTORE_FILE = { dir: '/data', name: '.gantry-restore' };
const REDIS_SNAPSHOT = '/tmp/gantry-backup.rdb';

export const backupId = (n: number) => `b${String(n).padStart(3, '0')}`;

/** Where a backup's file is written in the store: <dir>/<addon>/<b001>-<row id>.<ext>. */
export function backupLocation(backupDir: string, row: Pick<Backup, 'addonName' | 'number' | 'id' | 'kind'>): string {
  return join(backupDir, row.addonName, `${backupId(row.number)}-${row.id}.${EXT[row.kind] ?? 'bin'}`);
}

export function parseBackupId(id: string): number {
  const m = /^b(\d{1,9})$/.exec(id);
  if (!m) throw new InvalidInput(`Invalid backup id ${JSON.stringify(id)}: backups are named b001, b002 ...`, { field: 'id' });
  return Number(m[1]);
}

/** Sends a line to the add-on's log and to the logs (and drains) of the apps it is attached to. */
export async function tellAddon(ctx: Ctx, addon: AddonRow, line: string): Promise<void> {
  if (!ctx.events) return;
  for (const appId of [addon.appId, ...addon.attachments.map((a) => a.appId)]) await ctx.events.append(appId, line).catch(() => {});
}

async function nextRow(ctx: Ctx, addon: AddonRow, trigger: string): Promise<Backup> {
  for (let attempt = 0; ; attempt++) {
    const last = await ctx.db.backup.findFirst({ where: { addonName: addon.name }, orderBy: { number: 'desc' }, select: { number: true } });
    try {
      return await ctx.db.backup.create({ data: { addonId: addon.id, addonName: addon.name, teamId: addon.teamId, kind: addon.kind, number: (last?.number ?? 0) + 1, trigger } });
    } catch (err) {
      if (!(err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') || attempt > 5) throw err;
    }
  }
}

export interface TakeBackupOptions {
  /**
   * Count the source right before and right after the dump (every table's rows; the keys), kept
   * with the backup (verifyDetail) so verifyBackup can check a restore against them. Default: for
   * scheduled backups (they are all checked); it costs a count(*) of every table, twice.
   */
  count?: boolean;
}

export async function takeBackup(ctx: Ctx, addon: AddonRow, trigger: 'manual' | 'scheduled' | 'final', options: TakeBackupOptions = {}): Promise<Backup> {
  const { servers, backupDir } = platformOf(ctx);
  const count = options.count ?? trigger === 'scheduled';
  const row = await nextRow(ctx, addon, trigger);
  const id = backupId(row.number);
  const location = backupLocation(backupDir, row);
  const dir = dirname(location);
  const started = Date.now();
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const c = await credentialsOf(ctx, addon);
    const exec: Exec = (argv, io) => servers.exec(addon.appId, argv, io);
    const counter = addon.kind === 'postgres'
      ? () => countTables(exec, ['-h', '127.0.0.1', '-U', c.user, '-d', c.database], { PGPASSWORD: c.password })
      : () => countKeys(exec, ['-h', '127.0.0.1']);
    const before = count ? await counter() : null;
    const hash = createHash('sha256');
    let bytes = 0;
    const head: Buffer[] = [];
    const tap = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        if (bytes < 16) head.push(chunk.subarray(0, 16));
        bytes += chunk.length;
        done(null, chunk);
      },
    });
    const file = createWriteStream(location, { mode: 0o600 });
    const written = pipeline(tap, file);
    let r;
    if (addon.kind === 'postgres') {
      r = await servers.exec(addon.appId, ['pg_dump', '--format=custom', '--no-password', '-h', '127.0.0.1', '-U', c.user, '-d', c.database], { env: { PGPASSWORD: c.password }, stdout: tap });
    } else {
      const snap = await servers.exec(addon.appId, ['redis-cli', '-h', '127.0.0.1', '--no-auth-warning', '--rdb', REDIS_SNAPSHOT]);
      if (snap.exitCode !== 0) throw new Error(`redis-cli --rdb failed: ${(snap.stderr || snap.stdout).trim().slice(0, 300)}`);
      r = await servers.exec(addon.appId, ['cat', REDIS_SNAPSHOT], { stdout: tap });
      await servers.exec(addon.appId, ['rm', '-f', REDIS_SNAPSHOT]).catch(() => {});
    }
    await written;
    if (r.exitCode !== 0) throw new Error(`${addon.kind === 'postgres' ? 'pg_dump' : 'the snapshot'} exited with ${r.exitCode}: ${r.stderr.trim().slice(0, 300)}`);
    const counts = before ? ({ kind: addon.kind, before, after: await counter() } as SourceCounts) : null;
    const magic = Buffer.concat(head).subarray(0, 5).toString('latin1');
    if (addon.kind === 'postgres' && magic !== 'PGDMP') throw new Error(`the dump is not in pg_dump's custom format (it starts with ${JSON.stringify(magic)}, ${bytes} bytes)`);
    if (addon.kind === 'redis' && magic !== 'REDIS') throw new Error(`the snapshot is not an RDB file (it starts with ${JSON.stringify(magic)}, ${bytes} bytes)`);
    // On disk for good before it is called succeeded.
    const fh = await open(location, 'r');
    await fh.sync().finally(() => fh.close());
    const done = await ctx.db.backup.update({ where: { id: row.id }, data: { status: 'succeeded', bytes: BigInt(bytes), sha256: hash.digest('hex'), location, finishedAt: new Date(), ...(counts ? { verifyDetail: JSON.stringify(counts) } : {}) } });
    await tellAddon(ctx, addon, `Backup ${id} of ${addon.name} succeeded (${bytes} bytes in ${((Date.now() - started) / 1000).toFixed(1)} s, ${trigger})`);
    return done;
  } catch (err) {
    const reason = (err as Error).message;
    await rm(location, { force: true }).catch(() => {});
    await ctx.db.backup.update({ where: { id: row.id }, data: { status: 'failed', error: reason, finishedAt: new Date() } });
    await tellAddon(ctx, addon, `BACKUP FAILED: ${id} of ${addon.name} (${trigger}): ${reason}`);
    throw new BackupFailed(`Backup ${id} of ${addon.name} failed: ${reason}`, { addon: addon.name, backup: id });
  }
}

export async function listBackups(ctx: Ctx, actor: Actor, name: string): Promise<Backup[]> {
  const addon = await addonFor(ctx, actor, name, 'read');
  return ctx.db.backup.findMany({ where: { addonName: addon.name, teamId: addon.teamId }, orderBy: { number: 'desc' } });
}

export async function getBackup(ctx: Ctx, actor: Actor, name: string, id: string): Promise<Backup> {
  const addon = await addonFor(ctx, actor, name, 'read');
  return backupOf(ctx, addon, id);
}

async function backupOf(ctx: Ctx, addon: AddonRow, id: string | undefined): Promise<Backup> {
  const row = id
    ? await ctx.db.backup.findUnique({ where: { addonName_number: { addonName: addon.name, number: parseBackupId(id) } } })
    : await ctx.db.backup.findFirst({ where: { addonName: addon.name, status: 'succeeded' }, orderBy: { number: 'desc' } });
  if (!row || row.teamId !== addon.teamId) throw new NotFound('Backup', id ?? `(newest of ${addon.name})`);
  return row;
}

/** Checks a stored backup against its recorded SHA-256; the file's size for streaming. */
export async function checkedFile(row: Backup): Promise<{ path: string; size: number }> {
  if (row.status !== 'succeeded' || !row.location || !row.sha256) throw new Conflict(`Backup ${backupId(row.number)} of ${row.addonName} did not succeed (${row.status}${row.error ? `: ${row.error}` : ''}): it cannot be used.`);
  const info = await stat(row.location).catch(() => null);
  if (!info) throw new BackupFailed(`Backup ${backupId(row.number)} of ${row.addonName} is missing from the backup store (${row.location}).`);
  const hash = createHash('sha256');
  await pipeline(createReadStream(row.location), hash);
  const sum = hash.digest('hex');
  if (sum !== row.sha256) throw new BackupFailed(`Backup ${backupId(row.number)} of ${row.addonName} is damaged: its SHA-256 is ${sum}, ${row.sha256} was recorded.`);
  return { path: row.location, size: info.size };
}

/** pg:backups:download: the file (checked), with what a client needs to check it again. */
export async function backupDownload(ctx: Ctx, actor: Actor, name: string, id: string) {
  // A dump holds every row and secret of the database: members and up, as config values.
  const addon = await addonFor(ctx, actor, name, 'write');
  const row = await backupOf(ctx, addon, id);
  const file = await checkedFile(row);
  return { ...file, sha256: row.sha256!, filename: `${addon.name}-${backupId(row.number)}.${EXT[addon.kind] ?? 'bin'}`, open: () => createReadStream(file.path) };
}

/**
 * pg:backups:restore [ID] [--to ADDON]: the backup (newest by default) replaces the data of this
 * add-on or of another one of its kind and team. Postgres: pg_restore --clean in one transaction,
 * so a restore that fails changes nothing.
 */
export async function restoreBackup(ctx: Ctx, actor: Actor, name: string, id: string | undefined, to?: string): Promise<Backup> {
  const source = await addonFor(ctx, actor, name, 'write');
  const target = to && to !== name ? await addonFor(ctx, actor, to, 'write') : source;
  if (target.kind !== source.kind) throw new InvalidInput(`${target.name} is a ${target.kind} add-on; a ${source.kind} backup restores only into ${source.kind}.`);
  if (target.teamId !== source.teamId) throw new Conflict(`${target.name} belongs to another team than ${source.name}.`);
  const row = await backupOf(ctx, source, id);
  const file = await checkedFile(row);
  const { servers } = platformOf(ctx);
  if (target.kind === 'redis') {
    await restoreRedis(ctx, target, file);
    await tellAddon(ctx, target, `Restored backup ${backupId(row.number)} of ${source.name} into ${target.name}`);
    return row;
  }
  const c = await credentialsOf(ctx, target);
  const inside = `${RESTORE_FILE.dir}/${RESTORE_FILE.name}`;
  await servers.putFile(target.appId, RESTORE_FILE.dir, RESTORE_FILE.name, createReadStream(file.path), file.size);
  try {
    const r = await servers.exec(
      target.appId,
      ['pg_restore', '--clean', '--if-exists', '--no-owner', '--no-privileges', '--single-transaction', '--exit-on-error', '--no-password', '-h', '127.0.0.1', '-U', c.user, '-d', c.database, inside],
      { env: { PGPASSWORD: c.password } },
    );
    if (r.exitCode !== 0) throw new Conflict(`Restoring ${backupId(row.number)} into ${target.name} failed (nothing was changed): ${r.stderr.trim().slice(0, 500)}`);
  } finally {
    await servers.exec(target.appId, ['rm', '-f', inside]).catch(() => {});
  }
  await tellAddon(ctx, target, `Restored backup ${backupId(row.number)} of ${source.name} into ${target.name}`);
  return row;
}


const redisInfo = (servers: AddonServers, appId: string) =>
  servers.exec(appId, ['redis-cli', '-h', '127.0.0.1', '--no-auth-warning', 'INFO']).then((r) => {
    if (r.exitCode !== 0) throw new Error((r.stderr || r.stdout).trim());
    return Object.fromEntries(r.stdout.split(/\r?\n/).filter((l) => l.includes(':')).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1)]));
  });

/**
 * Redis: the snapshot goes next to the data; the server stops without saving and its container
 * starts again at once (its restart policy), and the entrypoint loads the snapshot in place of the
 * data (append-only off for that start). Once the new server answers, append-only is turned on
 * again, which rewrites the append-only files from the restored data; done when that finished.
 */
async function restoreRedis(ctx: Ctx, target: AddonRow, file: { path: string; size: number }): Promise<void> {
  const { servers } = platformOf(ctx);
  const before = (await redisInfo(servers, target.appId)).run_id;
  await servers.putFile(target.appId, RESTORE_FILE.dir, RESTORE_FILE.name, createReadStream(file.path), file.size);
  // The exec's connection ends with the server: its answer does not matter, the new run_id does.
  await servers.exec(target.appId, ['redis-cli', '-h', '127.0.0.1', '--no-auth-warning', 'SHUTDOWN', 'NOSAVE']).catch(() => {});
  // Its agent sees the restart a moment later and reports the server starting, even crashed, for a
  // second or two: every step below is retried until the deadline rather than failed at once.
  const deadline = Date.now() + 120_000;
  let last = 'the server did not answer yet';
  for (;;) {
    const info = await redisInfo(servers, target.appId).catch((err: Error) => {
      last = err.message;
      return null;
    });
    if (info && info.run_id !== before && info.loading === '0') {
      if (info.aof_enabled !== '1') {
        const on = await servers.exec(target.appId, ['redis-cli', '-h', '127.0.0.1', '--no-auth-warning', 'CONFIG', 'SET', 'appendonly', 'yes']).catch((err: Error) => ({ exitCode: -1, stdout: '', stderr: err.message }));
        if (on.exitCode !== 0 || !on.stdout.includes('OK')) last = `append-only not on yet: ${(on.stderr || on.stdout).trim()}`;
      } else if (info.aof_rewrite_in_progress === '0' && info.aof_rewrite_scheduled === '0') {
        if (info.aof_last_bgrewrite_status !== 'ok') throw new Unavailable(`${target.name} restored, but rewriting its append-only files failed: see gantry logs -a ${target.name}.`);
        return;
      }
    }
    if (Date.now() > deadline) throw new Unavailable(`${target.name} was not back with its append-only files rewritten within 2 min after the restore (last: ${last}); see gantry logs -a ${target.name}.`);
    await new Promise((r) => setTimeout(r, 300));
  }
}
