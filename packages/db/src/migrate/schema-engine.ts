/**
 * One schema engine session: the wasm engine connected to the target database through our
 * adapter factory, for the duration of one command.
 */
import { readFile } from 'node:fs/promises';
import { type ErrorRegistry, bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import type { SchemaEngine, SchemaFilter, SchemasContainer } from '@prisma/schema-engine-wasm/schema_engine_bg';
import { type AdapterFactoryOptions, MigrationAdapterFactory } from './adapter-factory';
import { type PgConnectionConfig, describeDatabase } from './connection-config';
import { MigrationError, externalErrorId, toMigrationError } from './migration-error';
import { loadSchemaEngine, takePanicMessage } from './wasm-loader';

export type { SchemaEngine };

/** We manage every table; nothing is "external". */
export const NO_FILTERS: SchemaFilter = { externalTables: [], externalEnums: [] };

export interface EngineContext {
  engine: SchemaEngine;
  /** The Prisma schema, as the engine wants it. */
  schema: SchemasContainer;
}

export interface EngineOptions extends AdapterFactoryOptions {
  target: PgConnectionConfig;
  schemaPath: string;
  /** Receives the engine's log lines (JSON strings). */
  onEngineLog?: (line: string) => void;
}

/**
 * Runs `fn` with an engine connected to `target`, then frees the engine, closes every pool and
 * drops the shadow databases, also when `fn` or the engine fails. A cleanup failure never hides
 * the original error. `action` starts the error messages ("Applying migrations").
 */
export async function withSchemaEngine<T>(
  action: string,
  options: EngineOptions,
  fn: (context: EngineContext) => Promise<T>,
): Promise<T> {
  const schema = await readSchema(options.schemaPath);
  const SchemaEngineClass = await loadSchemaEngine();
  const factory = new MigrationAdapterFactory(options.target, options);
  const boundFactory = bindMigrationAwareSqlAdapterFactory(factory);

  let engine: SchemaEngine | undefined;
  let outcome: { ok: true; value: T } | { ok: false; error: MigrationError };
  try {
    const datamodels: [string, string][] = [[schema.path, schema.content]];
    engine = await SchemaEngineClass.new({ datamodels }, options.onEngineLog ?? (() => {}), boundFactory);
    outcome = { ok: true, value: await fn({ engine, schema: { files: [schema] } }) };
  } catch (error) {
    const where = `${action} (${describeDatabase(options.target)})`;
    outcome = { ok: false, error: toMigrationError(where, originalError(error, boundFactory.errorRegistry)) };
  }

  engine?.free();
  const cleanupError = await factory.close().then(
    () => undefined,
    (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
  );
  if (!outcome.ok) {
    if (cleanupError) outcome.error.message += `\nAlso: ${cleanupError.message}`;
    throw outcome.error;
  }
  if (cleanupError) throw cleanupError;
  return outcome.value;
}

/** The error worth reporting: a panic's message, or the JavaScript error behind "External error id#N". */
function originalError(error: unknown, registry: ErrorRegistry): unknown {
  const panic = takePanicMessage();
  if (panic) return new MigrationError(`The Prisma schema engine panicked: ${panic}`, { cause: error });
  const id = externalErrorId(error instanceof Error ? error.message : String(error));
  const external = id === undefined ? undefined : registry.consumeError(id)?.error;
  return external ?? error;
}

async function readSchema(schemaPath: string): Promise<{ path: string; content: string }> {
  try {
    return { path: schemaPath, content: await readFile(schemaPath, 'utf8') };
  } catch (error) {
    throw new MigrationError(`Cannot read the Prisma schema at ${schemaPath}: ${String(error)}`, { cause: error });
  }
}
