/** A database of its own for an integration test file: dropped if it exists, created, migrated. */
import { loadConfig } from '@gantry/config';
import { applyMigrations, DEFAULT_MIGRATIONS_DIR, DEFAULT_SCHEMA_PATH } from '@gantry/db/migrate';
import { recreateDatabase, withDatabase } from '@gantry/installer';

/** The URL of a fresh, migrated database `name` on the configured Postgres. */
export async function migratedDatabase(name: string): Promise<string> {
  const url = withDatabase(loadConfig(process.env).DATABASE_URL, name);
  await recreateDatabase(url);
  await applyMigrations({ databaseUrl: url, migrationsDir: DEFAULT_MIGRATIONS_DIR, schemaPath: DEFAULT_SCHEMA_PATH });
  return url;
}
