import { describe, expect, it } from 'vitest';
import { parseCliArgs } from './cli-args';

describe('parseCliArgs', () => {
  it('parses the three commands', () => {
    expect(parseCliArgs(['deploy'])).toEqual({
      ok: true,
      args: { command: { name: 'deploy' }, schemaPath: undefined, migrationsDir: undefined, verbose: false },
    });
    expect(parseCliArgs(['check', '--verbose'])).toMatchObject({ ok: true, args: { command: { name: 'check' }, verbose: true } });
    expect(parseCliArgs(['create', 'add', 'build', 'logs'])).toMatchObject({
      ok: true,
      args: { command: { name: 'create', migrationName: 'add build logs' } },
    });
  });

  it('accepts path overrides', () => {
    expect(parseCliArgs(['deploy', '--schema', 's.prisma', '--migrations-dir', 'm'])).toMatchObject({
      ok: true,
      args: { schemaPath: 's.prisma', migrationsDir: 'm' },
    });
  });

  it('explains what is wrong', () => {
    expect(parseCliArgs([])).toEqual({ ok: false, error: 'Missing command.' });
    expect(parseCliArgs(['create'])).toMatchObject({ ok: false, error: expect.stringMatching(/needs a migration name/) });
    expect(parseCliArgs(['deploy', 'extra'])).toMatchObject({ ok: false, error: expect.stringMatching(/Unexpected/) });
    expect(parseCliArgs(['deploy', '--bogus'])).toMatchObject({ ok: false, error: expect.stringMatching(/bogus/) });
    expect(parseCliArgs(['--help'])).toEqual({ ok: false, error: '' });
  });
});
