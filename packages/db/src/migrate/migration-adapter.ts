/**
 * The driver adapter the schema engine talks to: adapter-pg, with three changes.
 *
 * - `executeScript` sends the whole migration script as ONE simple query, like Prisma's native
 *   engine: Postgres runs it as one implicit transaction (a failing migration leaves nothing
 *   half-applied), and `;` inside strings, comments or `$$` function bodies is safe. adapter-pg
 *   splits on every `;` and runs the pieces one by one.
 * - `"char"` catalog columns are read as text (see CharAsTextClient).
 * - `dispose` is idempotent, so we can close everything ourselves without racing the engine.
 */
import { PrismaPg } from '@prisma/adapter-pg';
import type { IsolationLevel, SqlDriverAdapter, SqlQuery, SqlResultSet, Transaction } from '@prisma/driver-adapter-utils';
import { CharAsTextClient } from './char-as-text-client';
import { type PgConnectionConfig, pgFields } from './connection-config';

export class MigrationAdapter implements SqlDriverAdapter {
  readonly provider: SqlDriverAdapter['provider'];
  readonly adapterName: string;
  #disposed: Promise<void> | undefined;

  private constructor(private readonly inner: SqlDriverAdapter) {
    this.provider = inner.provider;
    this.adapterName = inner.adapterName;
  }

  /** Connections (a pg pool) to exactly `config.database`: separate fields, no connection string. */
  static async open(config: PgConnectionConfig): Promise<MigrationAdapter> {
    const factory = new PrismaPg({ ...pgFields(config), Client: CharAsTextClient }, { schema: config.schema });
    return new MigrationAdapter(await factory.connect());
  }

  queryRaw(query: SqlQuery): Promise<SqlResultSet> {
    return this.inner.queryRaw(query);
  }

  executeRaw(query: SqlQuery): Promise<number> {
    return this.inner.executeRaw(query);
  }

  async executeScript(script: string): Promise<void> {
    // No parameters: pg uses the simple query protocol, which accepts several statements.
    await this.inner.executeRaw({ sql: script, args: [], argTypes: [] });
  }

  startTransaction(isolationLevel?: IsolationLevel): Promise<Transaction> {
    return this.inner.startTransaction(isolationLevel);
  }

  getConnectionInfo() {
    return this.inner.getConnectionInfo?.() ?? { schemaName: undefined, supportsRelationJoins: true };
  }

  dispose(): Promise<void> {
    this.#disposed ??= this.inner.dispose();
    return this.#disposed;
  }
}
