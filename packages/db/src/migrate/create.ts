/**
 * `create <name>`: writes prisma/migrations/<timestamp>_<name>/migration.sql with the SQL that
 * takes the committed migrations to the current schema (and migration_lock.toml if missing).
 * Replays the history in a shadow database created for the occasion and dropped afterwards; the
 * database in DATABASE_URL is only used to connect (its role needs CREATEDB) and is not changed.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseDatabaseUrl } from './connection-config';
import { MigrationError } from './migration-error';
import { assertSortsLast, migrationDirectoryName, migrationNameSlug } from './migration-name';
import {
  LOCKFILE_NAME,
  MIGRATION_FILE_NAME,
  assertPostgresLockfile,
  lockfileContent,
  readMigrationsList,
} from './migrations-list';
import type { MigrateOptions } from './options';
import { withSchemaEngine } from './schema-engine';
import { diffMigrationsToSchema } from './schema-diff';

export interface CreateMigrationOptions extends MigrateOptions {
  /** Free text; becomes a slug ("Add build logs" -> add_build_logs). */
  name: string;
}

/** `created` is the new directory's name, or null when the schema has no changes. */
export async function createMigration(options: CreateMigrationOptions): Promise<{ created: string | null }> {
  const slug = migrationNameSlug(options.name);
  const migrationsDir = resolve(options.migrationsDir);
  const migrationsList = await readMigrationsList(migrationsDir, 'empty');
  assertPostgresLockfile(migrationsList, { allowMissing: true });

  const diff = await withSchemaEngine(
    'Creating a migration',
    {
      target: parseDatabaseUrl(options.databaseUrl),
      schemaPath: resolve(options.schemaPath),
      allowShadowDatabase: true,
      onEngineLog: options.onEngineLog,
    },
    ({ engine, schema }) => diffMigrationsToSchema(engine, migrationsList, schema),
  );
  if (diff.upToDate) return { created: null };

  const created = migrationDirectoryName(slug);
  assertSortsLast(created, migrationsList.migrationDirectories.map((dir) => dir.path));
  await writeMigration(migrationsDir, created, diff.sql, migrationsList.lockfile.content === null);
  return { created };
}

async function writeMigration(migrationsDir: string, name: string, sql: string, writeLockfile: boolean) {
  const dir = join(migrationsDir, name);
  await mkdir(migrationsDir, { recursive: true });
  try {
    await mkdir(dir); // not recursive: fails if the directory already exists
  } catch (error) {
    throw new MigrationError(`Cannot create the migration directory ${dir}: ${String(error)}`, { cause: error });
  }
  await writeFile(join(dir, MIGRATION_FILE_NAME), sql);
  if (writeLockfile) await writeFile(join(migrationsDir, LOCKFILE_NAME), lockfileContent());
}
