/**
 * Throwaway databases (the shadow database that `create` and `check` replay migrations into).
 * We create and drop them ourselves: adapter-pg's own `connectToShadowDb` drops its database
 * before closing its pool, which fails while the pool still holds connections.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { type PgConnectionConfig, pgFields } from './connection-config';

export const SHADOW_DATABASE_PREFIX = 'gantry_shadow_';

/**
 * `gantry_shadow_20250131120000_1a2b3c4d`: unique (random suffix), sortable, and the timestamp
 * tells an operator whether a leftover (process killed mid-run) is stale. Well under 63 bytes.
 */
export function shadowDatabaseName(now: Date = new Date(), random: Buffer = randomBytes(4)): string {
  const stamp = now.toISOString().replace(/\D/g, '').slice(0, 14);
  return `${SHADOW_DATABASE_PREFIX}${stamp}_${random.toString('hex')}`;
}

export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Runs one statement on a short-lived connection to `config` (the caller's own database). */
async function runOnce(config: PgConnectionConfig, sql: string): Promise<void> {
  const client = new pg.Client(pgFields(config));
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Needs CREATEDB, not superuser. */
export async function createScratchDatabase(config: PgConnectionConfig, name: string): Promise<void> {
  await runOnce(config, `CREATE DATABASE ${quoteIdentifier(name)}`);
}

/** WITH (FORCE) (Postgres 13+) so a connection the engine left open cannot keep it alive. */
export async function dropScratchDatabase(config: PgConnectionConfig, name: string): Promise<void> {
  await runOnce(config, `DROP DATABASE IF EXISTS ${quoteIdentifier(name)} WITH (FORCE)`);
}
