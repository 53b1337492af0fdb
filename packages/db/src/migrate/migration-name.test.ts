import { describe, expect, it } from 'vitest';
import { assertSortsLast, migrationDirectoryName, migrationNameSlug } from './migration-name';

describe('migrationNameSlug', () => {
  it('keeps lowercase words joined by underscores', () => {
    expect(migrationNameSlug('init')).toBe('init');
    expect(migrationNameSlug('add_build_logs')).toBe('add_build_logs');
  });

  it('turns free text into a slug', () => {
    expect(migrationNameSlug('Add build logs!')).toBe('add_build_logs');
    expect(migrationNameSlug('  Café -- déjà vu  ')).toBe('cafe_deja_vu');
  });

  it('rejects names with nothing usable, or too long', () => {
    expect(() => migrationNameSlug('!!!')).toThrow(/not a usable migration name/);
    expect(() => migrationNameSlug('x'.repeat(201))).toThrow(/longer than 200/);
  });
});

describe('migrationDirectoryName', () => {
  it('prefixes the UTC timestamp like prisma migrate dev', () => {
    expect(migrationDirectoryName('init', new Date('2025-01-31T23:59:58.999Z'))).toBe('20250131235958_init');
  });
});

describe('assertSortsLast', () => {
  it('accepts a name after every existing migration', () => {
    expect(() => assertSortsLast('20250201000000_b', [])).not.toThrow();
    expect(() => assertSortsLast('20250201000000_b', ['20250101000000_a'])).not.toThrow();
  });

  it('refuses a name that would be applied before an existing migration', () => {
    expect(() => assertSortsLast('20250101000000_b', ['20250101000000_a', '20250301000000_c'])).toThrow(
      /before the latest one, 20250301000000_c.*clock/,
    );
  });
});
