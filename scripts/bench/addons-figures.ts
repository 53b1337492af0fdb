/**
 * bench:addons' figures as printed rows and a bar chart: provisioning (median of the runs), backup
 * and restore through Gantry beside plain pg_dump / pg_restore of the same database (MB/s of the
 * database's size, ratio Gantry / plain), the scheduled-backup check, and the move / failover
 * slots (write pause, acknowledged writes lost, promotion time; or why there is no figure); and
 * what makes the run fail (`failures`). Pure.
 */
import { median, secs } from './common';

/** One timed copy of the database: how long, and the size of the file it made or read. */
export interface Timed {
  ms: number;
  fileBytes: number;
}

/** What a writer loop saw while the add-on moved or failed over. */
export interface Measured {
  /** The longest time between two acknowledged writes. */
  pauseMs: number;
  acked: number;
  /** Acknowledged writes the database does not hold afterwards (goal 0). */
  lost: number;
  /** Failover: from the leader's host killed to another member named leader. */
  promotionMs?: number;
  /** What happened, in words (hosts, method...). */
  note?: string;
}

/** A move or failover slot: its figures, why its measurement failed, or why it did not run. */
export type Slot = Measured | { failed: string } | { skipped: string };

/** The single-server sections: provisioning, backup / restore beside plain, the scheduled check. */
export interface StorageFigures {
  /** addons:create postgres -> the app's release with DATABASE_URL, each run. */
  provisionMs: number[];
  /** The generated database: pg_database_size, its rows, how long generating took. */
  db: { bytes: number; rows: number; generateMs: number };
  backup: { gantry: Timed; plain: Timed };
  restore: { gantry: Timed; plain: Timed };
  /** A scheduled backup (the source counted around the dump), then verifyBackup's scratch restore. */
  verify: { backupMs: number; verifyMs: number; passed: boolean; detail: string } | { failed: string };
}

export interface AddonFigures {
  storage: StorageFigures | { skipped: string };
  move: Slot;
  failover: Slot;
}

const MB = 1_000_000;
const COL = 24;
const side = (a: string, b: string, c: string) => `${a.padEnd(COL)}${b.padEnd(COL)}${c}`;
/** Throughput in MB (10^6 bytes) of the database per second. */
export const mbps = (bytes: number, ms: number) => `${(bytes / MB / (ms / 1000)).toFixed(1)} MB/s`;
const size = (bytes: number) => (bytes >= 1e9 ? `${(bytes / 1e9).toFixed(2)} GB` : `${(bytes / MB).toFixed(1)} MB`);
const timed = (t: Timed, dbBytes: number) => `${secs(t.ms)} ${mbps(dbBytes, t.ms)}`;
const s2 = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

export const isMeasured = (s: Slot): s is Measured => 'pauseMs' in s;

function slotRows(label: string, s: Slot): [string, string][] {
  if ('failed' in s) return [[label, `FAILED: ${s.failed}`]];
  if ('skipped' in s) return [[label, `skipped (${s.skipped})`]];
  const rows: [string, string][] = [
    [label, `${s2(s.pauseMs)} write pause, ${s.lost} of ${s.acked} acknowledged writes lost (goal 0)${s.lost === 0 ? '' : ' GOAL MISSED'}`],
  ];
  if (s.promotionMs !== undefined) rows.push(['  promotion (leader host killed -> new leader)', s2(s.promotionMs)]);
  if (s.note) rows.push(['  what happened', s.note]);
  return rows;
}

function storageRows(f: StorageFigures): [string, string][] {
  const pair = (label: string, p: { gantry: Timed; plain: Timed }): [string, string] => [
    label,
    side(timed(p.gantry, f.db.bytes), timed(p.plain, f.db.bytes), (p.gantry.ms / p.plain.ms).toFixed(2)),
  ];
  const verify: [string, string][] =
    'failed' in f.verify
      ? [['scheduled backup + check', `FAILED: ${f.verify.failed}`]]
      : [
          ['scheduled backup (source counted around the dump)', `${secs(f.verify.backupMs)} ${mbps(f.db.bytes, f.verify.backupMs)}`],
          ['its check: restore into a scratch server, row counts', `${secs(f.verify.verifyMs)} ${f.verify.passed ? 'passed' : 'FAILED'}: ${f.verify.detail}`],
        ];
  return [
    [`provision postgres (create -> release with DATABASE_URL), median of ${f.provisionMs.length}`, `${secs(median(f.provisionMs))} (each: ${f.provisionMs.map(secs).join(', ')})`],
    ['generated database (pg_database_size)', `${size(f.db.bytes)}, ${f.db.rows.toLocaleString('en')} rows, generated in ${secs(f.db.generateMs)}`],
    ['', side('through Gantry', 'plain, docker exec', 'ratio Gantry/plain')],
    pair('backup (pg_dump -Fc to a file on the host)', f.backup),
    pair('restore (pg_restore --single-transaction)', f.restore),
    ['dump file', side(size(f.backup.gantry.fileBytes), size(f.backup.plain.fileBytes), '')],
    ...verify,
  ];
}

export function addonRows(f: AddonFigures): [string, string][] {
  return [
    ...('skipped' in f.storage ? [['provisioning, backup and restore', `skipped (${f.storage.skipped})`] as [string, string]] : storageRows(f.storage)),
    ...slotRows('add-on move (3 lab hosts): write pause, lost writes', f.move),
    ...slotRows('HA failover (3 lab hosts): write pause, lost writes', f.failover),
  ];
}

/** Why the run fails (exit 1): a failed check or measurement, an acknowledged write lost. Empty: none. */
export function failures(f: AddonFigures): string[] {
  const out: string[] = [];
  if (!('skipped' in f.storage)) {
    const v = f.storage.verify;
    if ('failed' in v) out.push(`scheduled backup + check failed: ${v.failed}`);
    else if (!v.passed) out.push(`the scheduled backup's check failed: ${v.detail}`);
  }
  for (const [label, s] of [['move', f.move], ['failover', f.failover]] as const) {
    if ('failed' in s) out.push(`${label} not measured: ${s.failed}`);
    else if (isMeasured(s) && s.lost > 0) out.push(`${label} lost ${s.lost} acknowledged writes`);
  }
  return out;
}

/** A bar per measured time, scaled to the longest; `width` characters at most. */
export function timeChart(f: AddonFigures, width = 40): string[] {
  const bars: [string, number][] = [];
  if (!('skipped' in f.storage)) {
    const st = f.storage;
    bars.push(
      ['provision (median)', median(st.provisionMs)],
      ['backup, Gantry', st.backup.gantry.ms],
      ['backup, plain pg_dump', st.backup.plain.ms],
      ['restore, Gantry', st.restore.gantry.ms],
      ['restore, plain pg_restore', st.restore.plain.ms],
    );
    if (!('failed' in st.verify)) bars.push(['scheduled backup', st.verify.backupMs], ['its check (verifyBackup)', st.verify.verifyMs]);
  }
  if (isMeasured(f.move)) bars.push(['move pause', f.move.pauseMs]);
  if (isMeasured(f.failover)) {
    bars.push(['failover pause', f.failover.pauseMs]);
    if (f.failover.promotionMs !== undefined) bars.push(['failover promotion', f.failover.promotionMs]);
  }
  if (bars.length === 0) return [];
  const longest = Math.max(...bars.map(([, ms]) => ms));
  const labelWidth = Math.max(...bars.map(([l]) => l.length));
  return bars.map(([label, ms]) => `${label.padEnd(labelWidth)}  ${'#'.repeat(Math.max(1, Math.round((ms / Math.max(longest, 1)) * width))).padEnd(width)}  ${secs(ms)}`);
}
