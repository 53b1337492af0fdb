/**
 * The pure half of moving a Postgres add-on by streaming replication: the standby's script (a
 * constant: values reach it only as environment variables), the SQL asked of primary and standby,
 * and how their answers are read (LSNs, pg_controldata).
 *
 *   primary (host A)                           standby (host B, same team network, the add-on image)
 *   CREATE ROLE <repl> REPLICATION  ───────>   pg_basebackup -R -X stream -C -S <slot>, then postgres
 *   pg_current_wal_lsn()            ~~~~~~~>   pg_last_wal_replay_lsn()   (caught up: within LAG_BYTES)
 *   fast shutdown (movingTo set)    ───────>   receives the rest, up to the shutdown checkpoint
 *   pg_controldata: "shut down", checkpoint L  replay >= L ─> pg_promote() ─> RESET primary_conninfo ─> stop
 *   the server starts on B on the standby's data (the image's entrypoint, unchanged)
 */
import { randomBytes } from 'node:crypto';

export const PG_BIN = '/usr/lib/postgresql/15/bin';

/** Caught up enough to stop the primary: the rest streams during its shutdown. */
export const LAG_BYTES = 1024 * 1024;

/** The standby's whole command: prepares /data/pgdata, copies the primary, runs a standby (no TCP listener). */
export const STANDBY_SCRIPT = [
  'set -euo pipefail',
  'install -d -o postgres -g postgres -m 0700 /data/pgdata',
  'install -d -o postgres -g postgres -m 2775 /run/postgresql',
  `setpriv --reuid=postgres --regid=postgres --init-groups -- ${PG_BIN}/pg_basebackup -h "$PRIMARY_HOST" -p 5432 -U "$REPL_USER" -D /data/pgdata -R -X stream -C -S "$REPL_SLOT" -c fast`,
  'echo "gantry-standby: base backup done, streaming" >&2',
  `exec setpriv --reuid=postgres --regid=postgres --init-groups --reset-env -- ${PG_BIN}/postgres -D /data/pgdata -c listen_addresses=''`,
].join('\n');

export const standbyArgv = (): string[] => ['bash', '-c', STANDBY_SCRIPT];

/** psql as the server's superuser over its Unix socket (trusted inside the container), one statement, bare output. */
export const superSql = (sql: string): string[] => ['psql', '-X', '-h', '/run/postgresql', '-U', 'postgres', '-d', 'postgres', '-v', 'ON_ERROR_STOP=1', '-At', '-c', sql];

/** A replication role and slot for one move: generated names and password (hex), never user input. */
export function replicationCredentials(): { user: string; password: string; slot: string } {
  const id = randomBytes(4).toString('hex');
  return { user: `gantry_move_${id}`, password: randomBytes(24).toString('hex'), slot: `gantry_move_${id}` };
}

export const createRoleSql = (c: { user: string; password: string }) => `CREATE ROLE "${c.user}" WITH REPLICATION LOGIN PASSWORD '${c.password}'`;
export const dropRoleSql = (user: string) => `DROP ROLE IF EXISTS "${user}"`;
export const dropSlotSql = (slot: string) => `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '${slot}'`;
export const CURRENT_LSN_SQL = 'SELECT pg_current_wal_lsn()';
export const REPLAY_LSN_SQL = 'SELECT pg_last_wal_replay_lsn()';
export const PROMOTE_SQL = 'SELECT pg_promote(true, 60)';
/** After promotion: the old primary's address and the move's password leave the configuration. */
export const FORGET_PRIMARY_SQL = ['ALTER SYSTEM RESET primary_conninfo', 'ALTER SYSTEM RESET primary_slot_name'];

/** "16/B374D848" -> bytes. */
export function parseLsn(text: string): bigint {
  const m = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text.trim());
  if (!m) throw new Error(`not an LSN: ${JSON.stringify(text.trim().slice(0, 40))}`);
  return (BigInt(`0x${m[1]}`) << 32n) + BigInt(`0x${m[2]}`);
}

/** State and last checkpoint of a cluster, from pg_controldata's output. */
export function parseControlData(out: string): { state: string; checkpoint: bigint } {
  const state = /^Database cluster state:\s*(.+)$/m.exec(out)?.[1]?.trim();
  const checkpoint = /^Latest checkpoint location:\s*(\S+)$/m.exec(out)?.[1];
  if (!state || !checkpoint) throw new Error('pg_controldata gave no cluster state or checkpoint location');
  return { state, checkpoint: parseLsn(checkpoint) };
}

/** Whether the standby replayed the primary's shutdown checkpoint (its record starts at `checkpoint`). */
export function hasFinalCheckpoint(replay: bigint, checkpoint: bigint): boolean {
  return replay > checkpoint;
}
