/**
 * What a backup's check compares: the exact row count of every table (Postgres) or the key count
 * (Redis) of the source, right before and right after the dump, against what the dump restores to
 * in a scratch server. A restored count outside the source's before..after range, or a table that
 * is missing or extra, fails the check. Pure: the counting statement, parsing, the comparison.
 */
/** Table name (schema.table, quoted as format('%I.%I') quotes) -> exact row count. */
export type TableCounts = Record<string, number>;

/**
 * One JSON object of exact counts, one count(*) per user table (plain tables and partitions; a
 * partitioned parent would count its partitions twice). query_to_xml runs each generated count
 * inside this single statement, so no statement text is built outside the server.
 */
export const COUNT_ROWS_SQL = `SELECT coalesce(json_object_agg(t.name, t.n ORDER BY t.name), '{}'::json)
FROM (
  SELECT format('%I.%I', n.nspname, c.relname) AS name,
         (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %I.%I', n.nspname, c.relname), false, true, '')))[1]::text::bigint AS n
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
) t`;

// Checked by hand (control has no zod): these shapes are written and read only here.
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isTableCounts = (v: unknown): v is TableCounts => typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every(isCount);
const isKeyCounts = (v: unknown): v is KeyCounts => typeof v === 'object' && v !== null && isCount((v as KeyCounts).keys) && isCount((v as KeyCounts).expires);

/** psql -At output of COUNT_ROWS_SQL. */
export function parseTableCounts(out: string): TableCounts {
  let json: unknown;
  try {
    json = JSON.parse(out.trim());
  } catch {
    throw new Error(`the row counts are not JSON: ${JSON.stringify(out.trim().slice(0, 200))}`);
  }
  if (!isTableCounts(json)) throw new Error(`the row counts are not a table -> count object: ${JSON.stringify(out.trim().slice(0, 200))}`);
  return json;
}

/** Keys of every database of a Redis server, from INFO keyspace (db0:keys=3,expires=1,avg_ttl=0). */
export interface KeyCounts {
  keys: number;
  /** Of them, keys with a time to live: they may be gone by the time a snapshot is loaded. */
  expires: number;
}

export function parseKeyspace(info: string): KeyCounts {
  let keys = 0;
  let expires = 0;
  for (const line of info.split(/\r?\n/)) {
    const m = /^db\d+:keys=(\d+),expires=(\d+)/.exec(line.trim());
    if (m) {
      keys += Number(m[1]);
      expires += Number(m[2]);
    }
  }
  return { keys, expires };
}

/** The source's counts, recorded by takeBackup (JSON in the backup's verifyDetail until it is checked). */
export type SourceCounts = { kind: 'postgres'; before: TableCounts; after: TableCounts } | { kind: 'redis'; before: KeyCounts; after: KeyCounts };

export function parseSourceCounts(text: string | null): SourceCounts | null {
  if (!text) return null;
  try {
    const v = JSON.parse(text) as SourceCounts;
    if (v?.kind === 'postgres' && isTableCounts(v.before) && isTableCounts(v.after)) return { kind: v.kind, before: v.before, after: v.after };
    if (v?.kind === 'redis' && isKeyCounts(v.before) && isKeyCounts(v.after)) return { kind: v.kind, before: v.before, after: v.after };
    return null;
  } catch {
    return null;
  }
}

export interface Verdict {
  passed: boolean;
  /** One line for people: what matched, or every difference. */
  detail: string;
}

const range = (a: number, b: number) => (a === b ? `${a}` : `${Math.min(a, b)}..${Math.max(a, b)}`);
const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

/** Passes when the same tables exist and each restored count lies between its before and after counts. */
export function compareTables(source: { before: TableCounts; after: TableCounts }, restored: TableCounts): Verdict {
  const problems: string[] = [];
  const names = new Set([...Object.keys(source.before), ...Object.keys(source.after)]);
  for (const name of [...names].sort()) {
    const before = source.before[name];
    const after = source.after[name];
    const got = restored[name];
    if (got === undefined) {
      // Dropped between the count and the dump: not in the dump, rightly.
      if (after === undefined) continue;
      problems.push(`table ${name}: missing from the restore, ${after} rows in the source`);
      continue;
    }
    const lo = Math.min(before ?? 0, after ?? before ?? 0);
    const hi = Math.max(before ?? 0, after ?? before ?? 0);
    if (got < lo || got > hi) problems.push(`table ${name}: ${plural(got, 'row')} restored, ${range(before ?? 0, after ?? before ?? 0)} in the source`);
  }
  for (const name of Object.keys(restored).sort()) {
    if (!names.has(name)) problems.push(`table ${name}: restored, but not in the source`);
  }
  if (problems.length) return { passed: false, detail: problems.join('; ') };
  const rows = Object.values(restored).reduce((a, b) => a + b, 0);
  return { passed: true, detail: `${plural(Object.keys(restored).length, 'table')}, ${plural(rows, 'row')} restored, as in the source` };
}

/**
 * Passes when the snapshot's key count lies between the source's before and after counts, less
 * the keys with a time to live (they may expire before the snapshot is loaded).
 */
export function compareKeys(source: { before: KeyCounts; after: KeyCounts }, restored: number): Verdict {
  const lo = Math.min(source.before.keys - source.before.expires, source.after.keys - source.after.expires);
  const hi = Math.max(source.before.keys, source.after.keys);
  if (restored < lo || restored > hi) return { passed: false, detail: `${plural(restored, 'key')} loaded, ${range(source.before.keys, source.after.keys)} in the source` };
  return { passed: true, detail: `${plural(restored, 'key')} loaded, as in the source` };
}
