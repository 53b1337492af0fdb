/**
 * The migration-aware adapter factory handed to the schema engine.
 *
 * `connect()` opens the target database. `connectToShadowDb()` (only when allowed) creates a
 * fresh, uniquely named database on the same server with the same role, and opens it; every call
 * gets a new one, since the engine replays the whole migration history into it. `close()` closes
 * every pool and drops every shadow database this factory created, whatever happened before.
 */
import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { type PgConnectionConfig, describeDatabase, withDatabase } from './connection-config';
import { MigrationAdapter } from './migration-adapter';
import { MigrationError } from './migration-error';
import { createScratchDatabase, dropScratchDatabase, shadowDatabaseName } from './scratch-database';

export interface AdapterFactoryOptions {
  /** `create` and `check` need a shadow database; `deploy` must never create one. */
  allowShadowDatabase: boolean;
}

export class MigrationAdapterFactory implements SqlMigrationAwareDriverAdapterFactory {
  readonly provider = 'postgres';
  readonly adapterName = '@prisma/adapter-pg';
  readonly #adapters: MigrationAdapter[] = [];
  readonly #shadowDatabases: string[] = [];

  constructor(
    private readonly target: PgConnectionConfig,
    private readonly options: AdapterFactoryOptions,
  ) {}

  /** Names of the shadow databases created so far (dropped by close()). */
  get shadowDatabases(): readonly string[] {
    return this.#shadowDatabases;
  }

  async connect(): Promise<SqlDriverAdapter> {
    return this.#open(this.target);
  }

  async connectToShadowDb(): Promise<SqlDriverAdapter> {
    if (!this.options.allowShadowDatabase) {
      throw new MigrationError('Internal error: this command must not use a shadow database.');
    }
    const name = shadowDatabaseName();
    try {
      await createScratchDatabase(this.target, name);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new MigrationError(
        `Could not create the shadow database ${name} on ${describeDatabase(this.target)}: ${reason}. ` +
          'The role in DATABASE_URL needs the CREATEDB privilege.',
        { cause: error },
      );
    }
    this.#shadowDatabases.push(name);
    return this.#open(withDatabase(this.target, name));
  }

  async #open(config: PgConnectionConfig): Promise<MigrationAdapter> {
    const adapter = await MigrationAdapter.open(config);
    this.#adapters.push(adapter);
    return adapter;
  }

  /** Closes all pools first (a database with open connections cannot be dropped), then drops. */
  async close(): Promise<void> {
    const problems: string[] = [];
    const closed = await Promise.allSettled(this.#adapters.map((adapter) => adapter.dispose()));
    for (const result of closed) {
      if (result.status === 'rejected') problems.push(`closing a connection pool: ${String(result.reason)}`);
    }
    for (const name of this.#shadowDatabases) {
      try {
        await dropScratchDatabase(this.target, name);
      } catch (error) {
        problems.push(`dropping shadow database ${name} (drop it by hand): ${String(error)}`);
      }
    }
    if (problems.length > 0) throw new MigrationError(`Cleanup failed:\n- ${problems.join('\n- ')}`);
  }
}
