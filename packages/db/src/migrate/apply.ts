/**
 * `deploy`: applies the pending migrations, in order, recording them in `_prisma_migrations`
 * exactly like `prisma migrate deploy` (the engine code is the same). Never creates or drops a
 * database; the engine takes a Postgres advisory lock, so concurrent deploys wait for each other.
 */
import { resolve } from 'node:path';
import { parseDatabaseUrl } from './connection-config';
import type { MigrateOptions } from './options';
import { readMigrationsList } from './migrations-list';
import { NO_FILTERS, withSchemaEngine } from './schema-engine';

export async function applyMigrations(options: MigrateOptions): Promise<{ applied: string[] }> {
  const migrationsList = await readMigrationsList(resolve(options.migrationsDir), 'error');
  return withSchemaEngine(
    'Applying migrations',
    {
      target: parseDatabaseUrl(options.databaseUrl),
      schemaPath: resolve(options.schemaPath),
      allowShadowDatabase: false,
      onEngineLog: options.onEngineLog,
    },
    async ({ engine }) => {
      const { appliedMigrationNames } = await engine.applyMigrations({ migrationsList, filters: NO_FILTERS });
      return { applied: appliedMigrationNames };
    },
  );
}
