/**
 * verifyBackup: a backup is checked by restoring it, not by trusting it. The file (its SHA-256
 * checked first) goes into a scratch server of the same image on the control plane's engine;
 * Postgres: pg_restore, then the exact row count of every table; Redis: the server loads the
 * snapshot, then its key count. The counts must lie between the source's, recorded by takeBackup
 * right before and right after the dump. The scratch server is removed afterwards, whatever happened.
 *
 *   backup row ─> verify=pending ─> sha256 ─> scratch server ─> restore / load ─> counts ─> compare ─> verify=passed|failed
 *                                                                                     └─> "BACKUP CHECK FAILED" in the logs
 *
 * A failed check is as loud as a failed backup: the row says verify=failed with the detail (the
 * dashboard marks it red), and a line goes to the logs (and drains) of the add-on and its apps.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AddonKind } from '@gantry/core';
import type { Backup } from '@gantry/db';
import type { Ctx } from '../context';
import { ADDON_INCLUDE } from './access';
import { platformOf } from './addons';
import { backupId, checkedFile, tellAddon } from './backups';
import { compareKeys, compareTables, parseSourceCounts, type SourceCounts, type Verdict } from './row-counts';
import type { ScratchServer, ScratchServers } from './scratch';
import { countKeys, countTables } from './source-counts';

/** Where the file goes in the scratch server: its anonymous data volume. */
const DATA_DIR = '/data';
const SCRATCH_DB = 'scratch';

export interface CheckInput {
  scratch: ScratchServers;
  image: string;
  file: { path: string; size: number };
  readyTimeoutMs: number;
}

export async function verifyBackup(ctx: Ctx, backup: Backup): Promise<Backup> {
  const platform = platformOf(ctx);
  const addon = backup.addonId ? await ctx.db.addon.findUnique({ where: { id: backup.addonId }, include: ADDON_INCLUDE }) : null;
  const id = backupId(backup.number);
  const source = parseSourceCounts(backup.verifyDetail);
  await ctx.db.backup.update({ where: { id: backup.id }, data: { verify: 'pending' } });
  const started = Date.now();
  let verdict: Verdict;
  try {
    if (!source) throw new Error('no counts of the source were recorded with this backup (it was taken without counting), so a restore cannot be compared');
    if (source.kind !== backup.kind) throw new Error(`the recorded counts are of ${source.kind}, the backup of ${backup.kind}`);
    const file = await checkedFile(backup);
    const input: CheckInput = { scratch: platform.scratch, image: await platform.imageRef(backup.kind as AddonKind), file, readyTimeoutMs: platform.readyTimeoutMs };
    verdict = source.kind === 'postgres' ? await checkPostgres(input, source) : await checkRedis(input, source);
  } catch (err) {
    verdict = { passed: false, detail: (err as Error).message };
  }
  // One line (a log line each, and the dashboard's cell): tool output is joined with " | ".
  verdict = { ...verdict, detail: oneLine(verdict.detail) };
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const row = await ctx.db.backup.update({ where: { id: backup.id }, data: { verify: verdict.passed ? 'passed' : 'failed', verifyDetail: verdict.detail } });
  if (addon) {
    await tellAddon(
      ctx,
      addon,
      verdict.passed
        ? `Backup ${id} of ${backup.addonName} checked: restored into a scratch server, ${verdict.detail} (${seconds} s)`
        : `BACKUP CHECK FAILED: ${id} of ${backup.addonName}: ${verdict.detail}`,
    );
  }
  return row;
}

/** Restores the dump into a scratch Postgres and counts every table's rows there. */
export async function checkPostgres(input: CheckInput, source: Extract<SourceCounts, { kind: 'postgres' }>): Promise<Verdict> {
  const server = await input.scratch.create({
    image: input.image,
    // The entrypoint wants a role and a password; nothing connects with them (no network).
    env: { POSTGRES_USER: SCRATCH_DB, POSTGRES_PASSWORD: randomBytes(18).toString('base64url'), POSTGRES_DB: SCRATCH_DB },
    dataDir: DATA_DIR,
  });
  try {
    await server.start();
    // TCP answers only once the final server runs (the entrypoint's set-up server listens on its socket only).
    await waitReady(server, ['pg_isready', '-q', '-h', '127.0.0.1', '-p', '5432'], () => true, input.readyTimeoutMs, 'PostgreSQL');
    await server.putFile(DATA_DIR, 'backup.dump', createReadStream(input.file.path), input.file.size);
    // As the database's owner, not the superuser: the dump's functions (index expressions...) run
    // with no more rights than they had in the source.
    const conn = ['-h', '/run/postgresql', '-U', SCRATCH_DB, '-d', SCRATCH_DB];
    const r = await server.exec(['pg_restore', '--no-owner', '--no-privileges', '--exit-on-error', '--no-password', ...conn, `${DATA_DIR}/backup.dump`]);
    if (r.exitCode !== 0) return { passed: false, detail: `pg_restore failed (exit ${r.exitCode}): ${r.stderr.trim().slice(0, 400)}` };
    return compareTables(source, await countTables((argv, io) => server.exec(argv, io), conn));
  } finally {
    await server.remove();
  }
}

/** Starts a scratch redis-server on the snapshot (no append-only file: it loads the RDB) and counts its keys. */
export async function checkRedis(input: CheckInput, source: Extract<SourceCounts, { kind: 'redis' }>): Promise<Verdict> {
  const server = await input.scratch.create({
    image: input.image,
    env: {},
    cmd: ['redis-server', '--dir', DATA_DIR, '--dbfilename', 'backup.rdb', '--appendonly', 'no', '--save', '', '--bind', '127.0.0.1', '--port', '6379'],
    dataDir: DATA_DIR,
  });
  try {
    await server.putFile(DATA_DIR, 'backup.rdb', createReadStream(input.file.path), input.file.size);
    await server.start();
    // While it loads, PING answers "LOADING ..."; a snapshot it cannot read makes it exit.
    await waitReady(server, ['redis-cli', '-h', '127.0.0.1', 'ping'], (out) => out.trim() === 'PONG', input.readyTimeoutMs, 'the snapshot');
    const keys = await countKeys((argv, io) => server.exec(argv, io), ['-h', '127.0.0.1']);
    return compareKeys(source, keys.keys);
  } finally {
    await server.remove();
  }
}

async function waitReady(server: ScratchServer, probe: string[], ok: (stdout: string) => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await server.status();
    if (!s.running) throw new Error(`the scratch server stopped (exit ${s.exitCode}) before ${what} was ready: ${(await server.logs(8)).slice(-600)}`);
    const r = await server.exec(probe).catch(() => null);
    if (r && r.exitCode === 0 && ok(r.stdout)) return;
    if (Date.now() > deadline) throw new Error(`the scratch server did not get ready within ${Math.round(timeoutMs / 1000)} s`);
    await sleep(250);
  }
}

const oneLine = (text: string) =>
  text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .join(' | ');
