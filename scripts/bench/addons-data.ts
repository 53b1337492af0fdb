/**
 * The data of bench:addons, inside the add-on's own server container (docker exec, no shell):
 * a generated table of ~100-byte random rows with its primary-key index, grown in big
 * INSERT ... SELECT generate_series batches until pg_database_size reaches the target; and the
 * plain baseline, pg_dump -Fc to a file on the host and pg_restore --single-transaction of it,
 * with the same flags Gantry's restore uses.
 *
 *   generate ─> INSERT 1M rows ─> pg_database_size < target? ─> again
 *   plain dump ─> docker exec pg_dump -Fc ─> stdout ─> file on the host
 *   plain restore ─> copy the file into /data ─> docker exec pg_restore ─> rm
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { credentialsOf, type AddonPlatform, type Ctx } from '@gantry/control';

export const TABLE = 'bench_rows';
const BATCH = 1_000_000;
/** Where the plain restore's file goes in the server: its data volume (room for it). */
const RESTORE_DIR = '/data';
const RESTORE_NAME = '.bench-plain.dump';

/** The add-on's server as the bench uses it: psql and programs run in its container with its credentials. */
export interface Server {
  name: string;
  psql(sql: string): Promise<string>;
  run(argv: string[], io?: { stdout?: NodeJS.WritableStream }): Promise<void>;
  conn: string[];
  platform: AddonPlatform;
  appId: string;
}

export async function serverOf(ctx: Ctx & { addons: AddonPlatform }, name: string): Promise<Server> {
  const addon = await ctx.db.addon.findUniqueOrThrow({ where: { name } });
  const c = await credentialsOf(ctx, addon);
  const conn = ['--no-password', '-h', '127.0.0.1', '-U', c.user, '-d', c.database];
  const env = { PGPASSWORD: c.password };
  const run = async (argv: string[], io: { stdout?: NodeJS.WritableStream } = {}) => {
    const r = await ctx.addons.servers.exec(addon.appId, argv, { env, ...(io.stdout ? { stdout: io.stdout as never } : {}) });
    if (r.exitCode !== 0) throw new Error(`${argv[0]} in ${name} exited with ${r.exitCode}: ${r.stderr.trim().slice(0, 400)}`);
  };
  const psql = async (sql: string) => {
    const r = await ctx.addons.servers.exec(addon.appId, ['psql', '-X', '-q', '-t', '-A', '-v', 'ON_ERROR_STOP=1', ...conn, '-c', sql], { env });
    if (r.exitCode !== 0) throw new Error(`psql in ${name} exited with ${r.exitCode}: ${r.stderr.trim().slice(0, 400)}`);
    return r.stdout.trim();
  };
  return { name, psql, run, conn, platform: ctx.addons, appId: addon.appId };
}

export const databaseSize = async (s: Server) => Number(await s.psql('SELECT pg_database_size(current_database())'));
export const rowCount = async (s: Server) => Number(await s.psql(`SELECT count(*) FROM ${TABLE}`));
export const dropTable = (s: Server) => s.psql(`DROP TABLE ${TABLE}`);

/** Grows the table until the database holds `targetBytes`; its size and rows. */
export async function generate(s: Server, targetBytes: number, progress: (line: string) => void): Promise<{ bytes: number; rows: number }> {
  await s.psql(`CREATE TABLE ${TABLE} (id bigint PRIMARY KEY, payload text NOT NULL)`);
  let rows = 0;
  let bytes = await databaseSize(s);
  while (bytes < targetBytes) {
    // 96 hex characters of md5 of random(): ~100 bytes a row that compress like real text, not to nothing.
    await s.psql(
      `INSERT INTO ${TABLE} SELECT g, md5(random()::text) || md5(random()::text) || md5(random()::text) FROM generate_series(${rows + 1}, ${rows + BATCH}) g`,
    );
    rows += BATCH;
    bytes = await databaseSize(s);
    progress(`  ${rows.toLocaleString('en')} rows, ${(bytes / 1e9).toFixed(2)} GB`);
  }
  await s.psql(`VACUUM ANALYZE ${TABLE}`);
  return { bytes: await databaseSize(s), rows };
}

/** pg_dump -Fc in the server, its output to a file on the host; the file's size. */
export async function plainDump(s: Server, dir: string): Promise<{ path: string; bytes: number }> {
  const path = join(dir, `${s.name}-plain.dump`);
  await s.run(['pg_dump', '--format=custom', ...s.conn], { stdout: createWriteStream(path, { mode: 0o600 }) });
  return { path, bytes: (await stat(path)).size };
}

/** Copies the file into the server and restores it as Gantry's restore does, in one transaction. */
export async function plainRestore(s: Server, file: { path: string; bytes: number }): Promise<void> {
  const inside = `${RESTORE_DIR}/${RESTORE_NAME}`;
  await s.platform.servers.putFile(s.appId, RESTORE_DIR, RESTORE_NAME, createReadStream(file.path), file.bytes);
  try {
    await s.run(['pg_restore', '--clean', '--if-exists', '--no-owner', '--no-privileges', '--single-transaction', '--exit-on-error', ...s.conn, inside]);
  } finally {
    await s.run(['rm', '-f', inside]).catch(() => {});
  }
}
