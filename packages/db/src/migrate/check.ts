/**
 * `check`: do the committed migrations produce exactly prisma/schema.prisma? Replays them in a
 * shadow database (created and dropped here) and diffs against the schema. `diffSql` is what a
 * new migration would contain; empty when up to date. The target database is not changed.
 */
import { resolve } from 'node:path';
import { parseDatabaseUrl } from './connection-config';
import { assertPostgresLockfile, readMigrationsList } from './migrations-list';
import type { MigrateOptions } from './options';
import { withSchemaEngine } from './schema-engine';
import { diffMigrationsToSchema } from './schema-diff';

export async function checkMigrations(options: MigrateOptions): Promise<{ upToDate: boolean; diffSql: string }> {
  const migrationsList = await readMigrationsList(resolve(options.migrationsDir), 'error');
  assertPostgresLockfile(migrationsList, { allowMissing: migrationsList.migrationDirectories.length === 0 });

  const diff = await withSchemaEngine(
    'Checking migrations against the schema',
    {
      target: parseDatabaseUrl(options.databaseUrl),
      schemaPath: resolve(options.schemaPath),
      allowShadowDatabase: true,
      onEngineLog: options.onEngineLog,
    },
    ({ engine, schema }) => diffMigrationsToSchema(engine, migrationsList, schema),
  );
  return { upToDate: diff.upToDate, diffSql: diff.sql };
}
