/**
 * The offline migration runner (packages/db/src/migrate) against the real Postgres: a fresh
 * database gets every committed migration, a second deploy applies nothing, the committed
 * migrations produce exactly prisma/schema.prisma, drift and SQL errors are reported clearly.
 *
 * Admin connection (a role with CREATEDB, never a superuser):
 *  - GANTRY_TEST_ADMIN_DATABASE_URL if set, e.g. postgres://gantry:gantry@127.0.0.1:5432/postgres;
 *  - otherwise, when running as root next to a local Postgres (this dev machine), a throwaway
 *    CREATEDB role created with `runuser -u postgres -- psql` and dropped at the end.
 * Everything created here (database, shadow databases, role) is dropped in afterAll.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_MIGRATIONS_DIR,
  DEFAULT_SCHEMA_PATH,
  MigrationError,
  applyMigrations,
  checkMigrations,
} from '../../packages/db/src/migrate';

const run = promisify(execFile);
const suffix = randomBytes(4).toString('hex');
const testDatabase = `gantry_migtest_${suffix}`;

interface Admin {
  url: string;
  /** Set when this test created the role (fallback): dropped in afterAll. */
  bootstrappedRole: string | undefined;
}

/** psql as the postgres OS user, argv only (no shell). */
async function psqlAsPostgres(sql: string): Promise<void> {
  await run('runuser', ['-u', 'postgres', '--', 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', sql]);
}

async function resolveAdmin(): Promise<Admin> {
  const fromEnv = process.env.GANTRY_TEST_ADMIN_DATABASE_URL;
  if (fromEnv) return { url: fromEnv, bootstrappedRole: undefined };
  if (process.getuid?.() !== 0) {
    throw new Error('Set GANTRY_TEST_ADMIN_DATABASE_URL to a Postgres role with CREATEDB (e.g. postgres://gantry:gantry@127.0.0.1:5432/postgres).');
  }
  const role = `gantry_migtest_${suffix}`;
  const password = randomBytes(12).toString('hex');
  await psqlAsPostgres(`CREATE ROLE ${role} LOGIN CREATEDB PASSWORD '${password}'`);
  return { url: `postgres://${role}:${password}@127.0.0.1:5432/postgres`, bootstrappedRole: role };
}

function urlFor(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

const shadowDatabases = async (adminUrl: string) =>
  (await query<{ datname: string }>(adminUrl, `SELECT datname FROM pg_database WHERE datname LIKE 'gantry_shadow_%'`)).map(
    (row) => row.datname,
  );

describe('migration runner against Postgres', () => {
  let admin: Admin;
  let databaseUrl: string;
  let shadowsBefore: string[];
  let scratchDir: string;
  const options = () => ({ databaseUrl, migrationsDir: DEFAULT_MIGRATIONS_DIR, schemaPath: DEFAULT_SCHEMA_PATH });

  beforeAll(async () => {
    admin = await resolveAdmin();
    shadowsBefore = await shadowDatabases(admin.url);
    await query(admin.url, `CREATE DATABASE "${testDatabase}"`);
    databaseUrl = urlFor(admin.url, testDatabase);
    scratchDir = await mkdtemp(join(tmpdir(), 'gantry-migrate-'));
  });

  afterAll(async () => {
    await rm(scratchDir, { recursive: true, force: true });
    if (!admin) return;
    await query(admin.url, `DROP DATABASE IF EXISTS "${testDatabase}" WITH (FORCE)`);
    if (admin.bootstrappedRole) await psqlAsPostgres(`DROP ROLE IF EXISTS ${admin.bootstrappedRole}`);
  });

  it('applies every committed migration to a fresh database', async () => {
    const committed = (await readdir(DEFAULT_MIGRATIONS_DIR, { withFileTypes: true }))
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
    expect(committed.length).toBeGreaterThan(0);

    const { applied } = await applyMigrations(options());
    expect(applied).toEqual(committed);

    const tables = await query<{ table_name: string }>(
      databaseUrl,
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`,
    );
    expect(tables.map((t) => t.table_name)).toEqual(
      expect.arrayContaining(['User', 'ApiToken', 'Team', 'Membership', 'App', 'Build', 'Release', 'FormationEntry', '_prisma_migrations']),
    );
    // Recorded the way `prisma migrate deploy` records them.
    const records = await query<{ migration_name: string; finished_at: Date | null; applied_steps_count: number }>(
      databaseUrl,
      `SELECT migration_name, finished_at, applied_steps_count FROM _prisma_migrations ORDER BY migration_name`,
    );
    expect(records.map((r) => r.migration_name)).toEqual(committed);
    expect(records.every((r) => r.finished_at !== null && r.applied_steps_count === 1)).toBe(true);
  });

  it('applies nothing the second time', async () => {
    expect(await applyMigrations(options())).toEqual({ applied: [] });
  });

  it('finds that the committed migrations produce exactly the schema', async () => {
    expect(await checkMigrations(options())).toEqual({ upToDate: true, diffSql: '' });
  });

  it('reports the SQL of a schema change that has no migration', async () => {
    const schemaPath = join(scratchDir, 'schema.prisma');
    const schema = await readFile(DEFAULT_SCHEMA_PATH, 'utf8');
    await writeFile(schemaPath, `${schema}\nmodel DriftProbe {\n  id Int @id\n}\n`);

    const { upToDate, diffSql } = await checkMigrations({ ...options(), schemaPath });
    expect(upToDate).toBe(false);
    expect(diffSql).toContain('CREATE TABLE "DriftProbe"');
  });

  it('names a migration whose SQL fails, and applies none of it', async () => {
    const migrationsDir = join(scratchDir, 'migrations');
    await cp(DEFAULT_MIGRATIONS_DIR, migrationsDir, { recursive: true });
    const broken = '29990101000000_broken';
    await mkdir(join(migrationsDir, broken));
    await writeFile(
      join(migrationsDir, broken, 'migration.sql'),
      // A `;` inside a function body must not split the script; the division fails at the end.
      `CREATE TABLE "HalfApplied" (id int);\nCREATE FUNCTION semi() RETURNS text LANGUAGE sql AS $$ SELECT 'a;b' $$;\nSELECT 1/0;\n`,
    );

    const failure = await applyMigrations({ ...options(), migrationsDir }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(MigrationError);
    expect((failure as MigrationError).migration).toBe(broken);
    expect((failure as MigrationError).message).toMatch(/migration 29990101000000_broken failed[\s\S]*division by zero/);

    const leftovers = await query(databaseUrl, `SELECT 1 FROM information_schema.tables WHERE table_name = 'HalfApplied'`);
    expect(leftovers).toEqual([]);
  });

  it('leaves no shadow database behind', async () => {
    expect(await shadowDatabases(admin.url)).toEqual(shadowsBefore);
  });
});
