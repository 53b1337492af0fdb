import { describe, expect, it } from 'vitest';
import { MigrationError, engineErrorMessage, externalErrorId, failedMigrationName, toMigrationError } from './migration-error';

// Shaped like what the wasm engine throws (span trace included).
const sqlFailure = new Error(
  'external connector error\nError querying the database: ERROR: division by zero\n' +
    '   0: sql_schema_connector::apply_migration::apply_script\n' +
    '           with migration_name="20990101000000_broken"\n' +
    '             at schema-engine/connectors/sql-schema-connector/src/apply_migration.rs:113\n' +
    '   1: schema_engine_wasm::wasm::engine::ApplyMigrations\n' +
    '             at schema-engine/schema-engine-wasm/src/wasm/engine.rs:167',
);

describe('engineErrorMessage', () => {
  it('drops the Rust span trace', () => {
    expect(engineErrorMessage(sqlFailure)).toBe(
      'external connector error\nError querying the database: ERROR: division by zero',
    );
  });

  it('keeps messages without a trace as they are', () => {
    expect(engineErrorMessage(new Error('Database `x` does not exist'))).toBe('Database `x` does not exist');
    expect(engineErrorMessage('plain string')).toBe('plain string');
  });
});

describe('failedMigrationName', () => {
  it('finds the migration in a SQL failure or a "failed migrations" error', () => {
    expect(failedMigrationName(sqlFailure.message)).toBe('20990101000000_broken');
    expect(
      failedMigrationName('migrate found failed migrations...\nThe `20250101000000_x` migration started at 2025-01-01 00:00:00 UTC failed'),
    ).toBe('20250101000000_x');
    expect(failedMigrationName('Database `x` does not exist')).toBeUndefined();
  });
});

describe('externalErrorId', () => {
  it('reads the registry id of errors raised on the JavaScript side', () => {
    expect(externalErrorId('Failed to connect to the shadow database\nExternal error id#3')).toBe(3);
    expect(externalErrorId('something else')).toBeUndefined();
  });
});

describe('toMigrationError', () => {
  it('names the action and the failed migration, and says how to recover', () => {
    const error = toMigrationError('Applying migrations (postgres://u@h:5432/d)', sqlFailure);
    expect(error).toBeInstanceOf(MigrationError);
    expect(error.migration).toBe('20990101000000_broken');
    expect(error.message.split('\n')[0]).toBe('Applying migrations (postgres://u@h:5432/d): migration 20990101000000_broken failed.');
    expect(error.message).toContain('division by zero');
    expect(error.message).toContain(`WHERE migration_name = '20990101000000_broken'`);
    expect(error.message).not.toContain('apply_migration.rs');
    expect(error.cause).toBe(sqlFailure);
  });

  it('passes MigrationErrors through', () => {
    const original = new MigrationError('already clear');
    expect(toMigrationError('Doing things', original)).toBe(original);
  });
});
