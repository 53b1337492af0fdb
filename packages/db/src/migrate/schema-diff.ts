/**
 * The SQL that takes a database built by replaying `migrationsList` (in a shadow database) to
 * the Prisma schema. Empty when the migrations already produce exactly the schema.
 *
 * We use the engine's `diff` rather than its `createMigration`: in the wasm engine only `diff`
 * (and the `migrate dev` diagnostics) can reach a shadow database through the adapter factory;
 * `createMigration` only works after `devDiagnostic` has replayed the history into a shadow
 * database and cached the result, which requires every migration to be applied to the target
 * database first. `diff` leaves the target database alone.
 */
import type { MigrationList, SchemaEngine, SchemasContainer } from '@prisma/schema-engine-wasm/schema_engine_bg';
import { withDefaultLockfile } from './migrations-list';
import { NO_FILTERS } from './schema-engine';

export async function diffMigrationsToSchema(
  engine: SchemaEngine,
  migrationsList: MigrationList,
  schema: SchemasContainer,
): Promise<{ upToDate: boolean; sql: string }> {
  const result = await engine.diff({
    from: { tag: 'migrations', ...withDefaultLockfile(migrationsList) },
    to: { tag: 'schemaDatamodel', ...schema },
    script: true,
    exitCode: true, // 2 when the diff is not empty
    filters: NO_FILTERS,
  });
  const upToDate = result.exitCode === 0;
  return { upToDate, sql: upToDate ? '' : (result.stdout ?? '') };
}
