import { describe, expect, it } from 'vitest';
import { addonRows, failures, mbps, timeChart, type AddonFigures, type StorageFigures } from './addons-figures';

const storage = (over: Partial<StorageFigures> = {}): StorageFigures => ({
  provisionMs: [9000, 5000, 7000],
  db: { bytes: 1_200_000_000, rows: 7_000_000, generateMs: 60_000 },
  backup: { gantry: { ms: 40_000, fileBytes: 600_000_000 }, plain: { ms: 32_000, fileBytes: 590_000_000 } },
  restore: { gantry: { ms: 90_000, fileBytes: 600_000_000 }, plain: { ms: 60_000, fileBytes: 590_000_000 } },
  verify: { backupMs: 48_000, verifyMs: 120_000, passed: true, detail: '1 table, 7000000 rows, as in the source' },
  ...over,
});
const figures = (over: Partial<AddonFigures> = {}): AddonFigures => ({
  storage: storage(),
  move: { pauseMs: 2340, acked: 500, lost: 0, note: 'lab-b -> lab-c by replication' },
  failover: { pauseMs: 31_000, acked: 300, lost: 0, promotionMs: 28_500 },
  ...over,
});
const rowsOf = (f: AddonFigures) => Object.fromEntries(addonRows(f));
const cells = (s: string) => s.trim().split(/\s{2,}/);
const MOVE = 'add-on move (3 lab hosts): write pause, lost writes';
const FAILOVER = 'HA failover (3 lab hosts): write pause, lost writes';

describe('addonRows', () => {
  it('gives the median provisioning time with every run', () => {
    expect(rowsOf(figures())['provision postgres (create -> release with DATABASE_URL), median of 3']).toBe('7.0 s (each: 9.0 s, 5.0 s, 7.0 s)');
  });

  it('puts Gantry beside plain with MB/s of the database size and the ratio Gantry / plain', () => {
    const rows = rowsOf(figures());
    expect(cells(rows['backup (pg_dump -Fc to a file on the host)']!)).toEqual(['40.0 s 30.0 MB/s', '32.0 s 37.5 MB/s', '1.25']);
    expect(cells(rows['restore (pg_restore --single-transaction)']!)).toEqual(['90.0 s 13.3 MB/s', '60.0 s 20.0 MB/s', '1.50']);
    expect(cells(rows['dump file']!)).toEqual(['600.0 MB', '590.0 MB']);
    expect(rows['generated database (pg_database_size)']).toBe('1.20 GB, 7,000,000 rows, generated in 60.0 s');
  });

  it('says the check passed or failed, and a check that could not run as FAILED', () => {
    expect(rowsOf(figures())['its check: restore into a scratch server, row counts']).toBe('120.0 s passed: 1 table, 7000000 rows, as in the source');
    const failed = rowsOf(figures({ storage: storage({ verify: { backupMs: 1000, verifyMs: 2000, passed: false, detail: 'writes: 5 rows, 7 in the source' } }) }));
    expect(failed['its check: restore into a scratch server, row counts']).toBe('2.0 s FAILED: writes: 5 rows, 7 in the source');
    expect(rowsOf(figures({ storage: storage({ verify: { failed: 'scratch server did not start' } }) }))['scheduled backup + check']).toBe('FAILED: scratch server did not start');
  });

  it('prints a measured slot with its pause, lost writes, promotion and what happened', () => {
    const rows = rowsOf(figures({ failover: { pauseMs: 8000, acked: 300, lost: 2, promotionMs: 6500, note: 'pg1.1 killed' } }));
    expect(rows[MOVE]).toBe('2.34 s write pause, 0 of 500 acknowledged writes lost (goal 0)');
    expect(rows[FAILOVER]).toBe('8.00 s write pause, 2 of 300 acknowledged writes lost (goal 0) GOAL MISSED');
    expect(rows['  promotion (leader host killed -> new leader)']).toBe('6.50 s');
    const list = addonRows(figures());
    const at = list.findIndex(([k]) => k === MOVE);
    expect(list[at + 1]).toEqual(['  what happened', 'lab-b -> lab-c by replication']);
    expect(list.filter(([k]) => k.startsWith('  promotion'))).toHaveLength(1);
  });

  it('prints a failed slot with its reason and a skipped part with why, keeping the other figures', () => {
    const rows = rowsOf(figures({ move: { failed: 'timed out waiting for writes to resume' }, storage: { skipped: 'GANTRY_BENCH_ADDONS_ONLY=lab' } }));
    expect(rows[MOVE]).toBe('FAILED: timed out waiting for writes to resume');
    expect(rows['provisioning, backup and restore']).toBe('skipped (GANTRY_BENCH_ADDONS_ONLY=lab)');
    expect(rows[FAILOVER]).toBe('31.00 s write pause, 0 of 300 acknowledged writes lost (goal 0)');
    expect(rowsOf(figures({ failover: { skipped: 'GANTRY_BENCH_ADDONS_ONLY=storage' } }))[FAILOVER]).toBe('skipped (GANTRY_BENCH_ADDONS_ONLY=storage)');
  });
});

describe('failures', () => {
  it('is empty when every check passed and nothing was lost or skipped-only', () => {
    expect(failures(figures())).toEqual([]);
    expect(failures(figures({ storage: { skipped: 'x' }, move: { skipped: 'y' }, failover: { skipped: 'y' } }))).toEqual([]);
  });

  it('names a failed check, a failed slot and lost writes', () => {
    const f = figures({
      storage: storage({ verify: { backupMs: 1, verifyMs: 1, passed: false, detail: 'rows differ' } }),
      move: { failed: 'the lab did not start' },
      failover: { pauseMs: 1, acked: 10, lost: 3 },
    });
    expect(failures(f)).toEqual(["the scheduled backup's check failed: rows differ", 'move not measured: the lab did not start', 'failover lost 3 acknowledged writes']);
    expect(failures(figures({ storage: storage({ verify: { failed: 'no scratch' } }) }))).toEqual(['scheduled backup + check failed: no scratch']);
  });
});

describe('mbps', () => {
  it('is MB (10^6 bytes) per second', () => expect(mbps(250_000_000, 2000)).toBe('125.0 MB/s'));
});

describe('timeChart', () => {
  it('scales the bars to the longest time and lists only what was measured', () => {
    const lines = timeChart(figures({ move: { failed: 'x' }, failover: { skipped: 'y' } }), 20);
    expect(lines).toHaveLength(7);
    const bar = (label: string) => lines.find((l) => l.startsWith(label))!.split(/\s{2,}/)[1]!.trim();
    expect(bar('its check (verifyBackup)')).toBe('#'.repeat(20));
    expect(bar('restore, plain pg_restore')).toBe('#'.repeat(10));
    expect(lines.some((l) => l.startsWith('move pause'))).toBe(false);
  });

  it('adds the pauses and the promotion, and draws them alone when the storage part was skipped', () => {
    const lines = timeChart(figures({ storage: { skipped: 'lab' } }), 20);
    expect(lines.map((l) => l.split(/\s{2,}/)[0])).toEqual(['move pause', 'failover pause', 'failover promotion']);
    expect(lines[1]).toContain('#'.repeat(20));
    expect(timeChart(figures({ storage: { skipped: 'lab' }, move: { skipped: 's' }, failover: { skipped: 's' } }))).toEqual([]);
  });
});
