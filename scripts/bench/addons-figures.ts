/**
 * bench:addons' figures as printed rows and a bar chart: provisioning (median of the runs), backup
 * and restore through Gantry beside plain pg_dump / pg_restore of the same database (MB/s of the
 * database's size, ratio Gantry / plain), the scheduled-backup check, and the move / failover
 * slots (a figure or the reason there is none). Pure.
 */
import { median, secs } from './common';

/** One timed copy of the database: how long, and the size of the file it made or read. */
export interface Timed {
  ms: number;
  fileBytes: number;
}

/** A write pause measured while a writer loop ran (a move, a failover), or why it was not (printed "not measured yet (<why>)"). */
export type Slot = { notMeasured: string } | { pauseMs: number; acked: number; lost: number };

export interface AddonFigures {
  /** addons:create postgres -> the app's release with DATABASE_URL, each run. */
  provisionMs: number[];
  /** The generated database: pg_database_size, its rows, how long generating took. */
  db: { bytes: number; rows: number; generateMs: number };
  backup: { gantry: Timed; plain: Timed };
  restore: { gantry: Timed; plain: Timed };
  /** A scheduled backup (the source counted around the dump), then verifyBackup's scratch restore. */
  verify: { backupMs: number; verifyMs: number; passed: boolean; detail: string } | { failed: string };
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

function slotRow(label: string, s: Slot): [string, string] {
  if ('notMeasured' in s) return [label, `not measured yet (${s.notMeasured})`];
  return [label, `${(s.pauseMs / 1000).toFixed(2)} s write pause, ${s.lost} of ${s.acked} acknowledged writes lost (goal 0)${s.lost === 0 ? '' : ' GOAL MISSED'}`];
}

export function addonRows(f: AddonFigures): [string, string][] {
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
    slotRow('add-on move: write pause, lost writes', f.move),
    slotRow('HA failover: write pause, lost writes', f.failover),
  ];
}

/** A bar per measured time, scaled to the longest; `width` characters at most. */
export function timeChart(f: AddonFigures, width = 40): string[] {
  const bars: [string, number][] = [
    ['provision (median)', median(f.provisionMs)],
    ['backup, Gantry', f.backup.gantry.ms],
    ['backup, plain pg_dump', f.backup.plain.ms],
    ['restore, Gantry', f.restore.gantry.ms],
    ['restore, plain pg_restore', f.restore.plain.ms],
  ];
  if (!('failed' in f.verify)) bars.push(['scheduled backup', f.verify.backupMs], ['its check (verifyBackup)', f.verify.verifyMs]);
  for (const [label, s] of [['move pause', f.move], ['failover pause', f.failover]] as const) if ('pauseMs' in s) bars.push([label, s.pauseMs]);
  const longest = Math.max(...bars.map(([, ms]) => ms));
  const labelWidth = Math.max(...bars.map(([l]) => l.length));
  return bars.map(([label, ms]) => `${label.padEnd(labelWidth)}  ${'#'.repeat(Math.max(1, Math.round((ms / longest) * width))).padEnd(width)}  ${secs(ms)}`);
}
