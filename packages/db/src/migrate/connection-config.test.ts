import { describe, expect, it } from 'vitest';
import { describeDatabase, parseDatabaseUrl, pgFields, withDatabase } from './connection-config';

describe('parseDatabaseUrl', () => {
  it('splits a URL into separate fields', () => {
    expect(parseDatabaseUrl('postgres://gantry:s3cret@db.internal:6543/gantry')).toEqual({
      host: 'db.internal',
      port: 6543,
      user: 'gantry',
      password: 's3cret',
      database: 'gantry',
      ssl: false,
      schema: undefined,
    });
  });

  it('decodes percent-encoded credentials and database names', () => {
    const config = parseDatabaseUrl('postgresql://us%40er:p%2Fa%3Ass@127.0.0.1/my%20db');
    expect(config).toMatchObject({ user: 'us@er', password: 'p/a:ss', database: 'my db', port: 5432 });
  });

  it('reads schema, sslmode and a socket directory from the query string', () => {
    expect(parseDatabaseUrl('postgres://u@h/d?schema=gantry&sslmode=require')).toMatchObject({
      schema: 'gantry',
      ssl: { rejectUnauthorized: false },
    });
    expect(parseDatabaseUrl('postgres://u@h/d?sslmode=verify-full').ssl).toEqual({ rejectUnauthorized: true });
    expect(parseDatabaseUrl('postgres:///d?host=/var/run/postgresql')).toMatchObject({ host: '/var/run/postgresql', database: 'd' });
  });

  it('strips the brackets of IPv6 hosts', () => {
    expect(parseDatabaseUrl('postgres://u@[::1]:5432/d').host).toBe('::1');
  });

  it('rejects what it cannot use, with a clear message', () => {
    expect(() => parseDatabaseUrl('not a url')).toThrow(/not a valid URL/);
    expect(() => parseDatabaseUrl('mysql://u@h/d')).toThrow(/postgres:\/\//);
    expect(() => parseDatabaseUrl('postgres://u@h:5432/')).toThrow(/must name a database/);
    expect(() => parseDatabaseUrl('postgres://u@h/d?sslmode=sometimes')).toThrow(/sslmode/);
  });
});

describe('withDatabase / pgFields', () => {
  const config = parseDatabaseUrl('postgres://gantry:pw@127.0.0.1:5432/gantry');

  it('points at another database on the same server, without a connection string', () => {
    const fields = pgFields(withDatabase(config, 'gantry_shadow_x'));
    expect(fields).toEqual({ host: '127.0.0.1', port: 5432, user: 'gantry', password: 'pw', database: 'gantry_shadow_x', ssl: false });
    expect(fields).not.toHaveProperty('connectionString');
  });

  it('describes a database without its password', () => {
    expect(describeDatabase(config)).toBe('postgres://gantry@127.0.0.1:5432/gantry');
  });
});
