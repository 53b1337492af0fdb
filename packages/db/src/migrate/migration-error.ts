/**
 * The one error type the runner throws. `migration` names the migration that failed to apply,
 * when the failure came from a migration's SQL.
 */
export class MigrationError extends Error {
  readonly migration: string | undefined;

  constructor(message: string, options: { cause?: unknown; migration?: string } = {}) {
    super(message, { cause: options.cause });
    this.name = 'MigrationError';
    this.migration = options.migration;
  }
}

/**
 * The engine's message without the Rust span trace it appends ("   0: schema_engine_wasm::...
 * at schema-engine/...rs:180"), which says where in the engine, not what went wrong.
 */
export function engineErrorMessage(error: unknown): string {
  const raw = error instanceof Error ? error.message : String(error);
  const lines = raw.split('\n');
  const traceStart = lines.findIndex((line) => /^\s*\d+: [a-z_]+::/.test(line));
  const kept = traceStart === -1 ? lines : lines.slice(0, traceStart);
  return kept.join('\n').trim() || raw.trim();
}

/**
 * The migration a failure belongs to: named in the span trace of a SQL error
 * (`with migration_name="..."`), or in the text of a "found failed migrations" error.
 */
export function failedMigrationName(rawMessage: string): string | undefined {
  return (
    /migration_name="([^"]+)"/.exec(rawMessage)?.[1] ??
    /^Migration name: (\S+)$/m.exec(rawMessage)?.[1] ??
    /The `([^`]+)` migration started at .* failed/.exec(rawMessage)?.[1]
  );
}

/** What to do once a migration is recorded as failed (no Prisma CLI needed). */
export function failedMigrationHint(migration: string): string {
  return (
    `Postgres ran ${migration} as one transaction: unless it contains its own COMMIT, none of it was applied. ` +
    `It is recorded as failed, which blocks further deploys. Fix its migration.sql, then let deploy retry it:\n` +
    `  UPDATE "_prisma_migrations" SET rolled_back_at = now() WHERE migration_name = '${migration}' AND finished_at IS NULL;`
  );
}

/**
 * Errors thrown on the JavaScript side (our adapter factory, pg) reach the engine as ids in
 * driver-adapter-utils' error registry; the engine then reports "External error id#3".
 */
export function externalErrorId(message: string): number | undefined {
  const id = /External error id#(\d+)/.exec(message)?.[1];
  return id === undefined ? undefined : Number(id);
}

/** Wraps whatever the engine threw into a MigrationError whose first line says what was attempted. */
export function toMigrationError(action: string, error: unknown): MigrationError {
  if (error instanceof MigrationError) return error;
  const raw = error instanceof Error ? error.message : String(error);
  const migration = failedMigrationName(raw);
  const lines = [migration ? `${action}: migration ${migration} failed.` : `${action} failed.`, engineErrorMessage(error)];
  if (migration) lines.push(failedMigrationHint(migration));
  return new MigrationError(lines.join('\n'), { cause: error, migration });
}
