/**
 * Offline Prisma migrations: Prisma's schema engine as WebAssembly, over node-postgres.
 * See packages/db/README.md.
 */
export { applyMigrations } from './apply';
export { createMigration, type CreateMigrationOptions } from './create';
export { checkMigrations } from './check';
export { MigrationError } from './migration-error';
export type { MigrateOptions } from './options';
export { DEFAULT_MIGRATIONS_DIR, DEFAULT_SCHEMA_PATH } from './paths';
