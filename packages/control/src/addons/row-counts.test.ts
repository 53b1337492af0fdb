import { describe, expect, it } from 'vitest';
import { compareKeys, compareTables, parseKeyspace, parseSourceCounts, parseTableCounts } from './row-counts';

describe('backup check: comparing counts', () => {
  it('passes when every table restores to its exact count, and says how much', () => {
    const c = { 'public.writes': 1043, 'public."Odd Name"': 0 };
    expect(compareTables({ before: c, after: c }, { ...c })).toEqual({ passed: true, detail: '2 tables, 1043 rows restored, as in the source' });
  });

  it('accepts any count between before and after (writes during the dump), nothing outside', () => {
    const source = { before: { 'public.t': 100 }, after: { 'public.t': 110 } };
    for (const n of [100, 105, 110]) expect(compareTables(source, { 'public.t': n }).passed).toBe(true);
    expect(compareTables(source, { 'public.t': 99 })).toEqual({ passed: false, detail: 'table public.t: 99 rows restored, 100..110 in the source' });
    expect(compareTables(source, { 'public.t': 111 }).passed).toBe(false);
    // Deletes during the dump: the range goes down.
    expect(compareTables({ before: { 'public.t': 10 }, after: { 'public.t': 4 } }, { 'public.t': 7 }).passed).toBe(true);
  });

  it('fails on an empty table restore, a missing table and an extra one, listing each', () => {
    const source = { before: { 'public.writes': 1043, 'public.users': 2 }, after: { 'public.writes': 1043, 'public.users': 2 } };
    expect(compareTables(source, { 'public.writes': 0, 'public.users': 2 })).toEqual({ passed: false, detail: 'table public.writes: 0 rows restored, 1043 in the source' });
    expect(compareTables(source, { 'public.writes': 1043, 'public.extra': 1 })).toEqual({
      passed: false,
      detail: 'table public.users: missing from the restore, 2 rows in the source; table public.extra: restored, but not in the source',
    });
  });

  it('a table made or dropped during the dump may or may not be in it', () => {
    expect(compareTables({ before: {}, after: { 'public.new': 3 } }, { 'public.new': 0 }).passed).toBe(true);
    expect(compareTables({ before: {}, after: { 'public.new': 3 } }, {}).passed).toBe(false);
    expect(compareTables({ before: { 'public.old': 3 }, after: {} }, {}).passed).toBe(true);
  });

  it('Redis: the key count between the source\'s, keys with a TTL allowed to be gone', () => {
    const s = { before: { keys: 10, expires: 2 }, after: { keys: 12, expires: 2 } };
    for (const n of [8, 10, 12]) expect(compareKeys(s, n).passed).toBe(true);
    expect(compareKeys(s, 7)).toEqual({ passed: false, detail: '7 keys loaded, 10..12 in the source' });
    expect(compareKeys(s, 13).passed).toBe(false);
    expect(compareKeys({ before: { keys: 1, expires: 0 }, after: { keys: 1, expires: 0 } }, 0)).toEqual({ passed: false, detail: '0 keys loaded, 1 in the source' });
  });

  it('parses psql output, INFO keyspace and recorded source counts; refuses junk', () => {
    expect(parseTableCounts('{"public.t" : 3}\n')).toEqual({ 'public.t': 3 });
    expect(() => parseTableCounts('ERROR: x')).toThrow('the row counts are not JSON');
    expect(() => parseTableCounts('{"public.t": -1}')).toThrow();
    expect(parseKeyspace('# Keyspace\r\ndb0:keys=3,expires=1,avg_ttl=0\r\ndb2:keys=4,expires=0,avg_ttl=0\r\n')).toEqual({ keys: 7, expires: 1 });
    expect(parseKeyspace('# Keyspace\r\n')).toEqual({ keys: 0, expires: 0 });
    expect(parseSourceCounts('{"kind":"postgres","before":{"public.t":1},"after":{"public.t":1}}')).toEqual({ kind: 'postgres', before: { 'public.t': 1 }, after: { 'public.t': 1 } });
    expect(parseSourceCounts('passed: 1 table')).toBeNull();
    expect(parseSourceCounts(null)).toBeNull();
  });
});
