/**
 * Counting what a backup should hold, inside a server's container (the add-on's, before and after
 * its dump; a scratch server's, after the restore): the exact rows of every table, or the keys.
 */
import { COUNT_ROWS_SQL, parseKeyspace, parseTableCounts, type KeyCounts, type TableCounts } from './row-counts';
import type { ExecIo, ExecResult } from './container-exec';

export type Exec = (argv: string[], io?: ExecIo) => Promise<ExecResult>;

/** `conn`: psql's connection options (-h -U -d); `env`: PGPASSWORD where one is needed. */
export async function countTables(exec: Exec, conn: string[], env: Record<string, string> = {}): Promise<TableCounts> {
  const r = await exec(['psql', '-X', '-A', '-t', '-q', '-v', 'ON_ERROR_STOP=1', '--no-password', ...conn, '-c', COUNT_ROWS_SQL], { env });
  if (r.exitCode !== 0) throw new Error(`counting the rows of the tables failed: ${(r.stderr || r.stdout).trim().slice(0, 300)}`);
  return parseTableCounts(r.stdout);
}

/** `conn`: redis-cli's connection options; the password comes from REDISCLI_AUTH where one is needed. */
export async function countKeys(exec: Exec, conn: string[]): Promise<KeyCounts> {
  const r = await exec(['redis-cli', ...conn, '--no-auth-warning', 'info', 'keyspace']);
  if (r.exitCode !== 0 || !r.stdout.includes('# Keyspace')) throw new Error(`counting the keys failed: ${(r.stderr || r.stdout).trim().slice(0, 300)}`);
  return parseKeyspace(r.stdout);
}
