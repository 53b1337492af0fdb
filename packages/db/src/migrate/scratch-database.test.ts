import { describe, expect, it } from 'vitest';
import { SHADOW_DATABASE_PREFIX, quoteIdentifier, shadowDatabaseName } from './scratch-database';

describe('shadowDatabaseName', () => {
  it('is prefixed, timestamped (UTC) and random-suffixed', () => {
    const name = shadowDatabaseName(new Date('2025-01-31T12:34:56.789Z'), Buffer.from([0xde, 0xad, 0xbe, 0xef]));
    expect(name).toBe('gantry_shadow_20250131123456_deadbeef');
  });

  it('is a valid, unquoted-safe Postgres identifier of at most 63 bytes', () => {
    const name = shadowDatabaseName();
    expect(name.startsWith(SHADOW_DATABASE_PREFIX)).toBe(true);
    expect(name).toMatch(/^[a-z_][a-z0-9_]*$/);
    expect(Buffer.byteLength(name)).toBeLessThanOrEqual(63);
  });

  it('differs between calls in the same second', () => {
    const now = new Date();
    const names = new Set(Array.from({ length: 50 }, () => shadowDatabaseName(now)));
    expect(names.size).toBe(50);
  });
});

describe('quoteIdentifier', () => {
  it('double-quotes and escapes embedded quotes', () => {
    expect(quoteIdentifier('plain')).toBe('"plain"');
    expect(quoteIdentifier('we"ird')).toBe('"we""ird"');
  });
});
