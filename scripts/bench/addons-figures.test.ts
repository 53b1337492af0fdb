import { describe, expect, it } from 'vitest';
import { addonRows, mbps, timeChart, type AddonFigures } from './addons-figures';

const figures = (over: Partial<AddonFigures> = {}): AddonFigures => ({
  provisionMs: [9000, 5000, 7000],
  db: { bytes: 1_200_000_000, rows: 7_000_000, generateMs: 60_000 },
  backup: { gantry: { ms: 40_000, fileBytes: 600_000_000 }, plain: { ms: 32_000, fileBytes: 590_000_000 } },
  restore: { gantry: { ms: 90_000, fileBytes: 600_000_000 }, plain: { ms: 60_000, fileBytes: 590_000_000 } },
  verify: { backupMs: 48_000, verifyMs: 120_000, passed: true, detail: '1 table, 7000000 rows, as in the source' },
  move: { notMeasured: 'addons:move / --ha not on this branch' },
  failover: { notMeasured: 'addons:move / --ha not on this branch' },
  ...over,
});
const rowsOf = (f: AddonFigures) => Object.fromEntries(addonRows(f));
const cells = (s: string) => s.trim().split(/\s{2,}/);

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
    const failed = rowsOf(figures({ verify: { backupMs: 1000, verifyMs: 2000, passed: false, detail: 'writes: 5 rows, 7 in the source' } }));
    expect(failed['its check: restore into a scratch server, row counts']).toBe('2.0 s FAILED: writes: 5 rows, 7 in the source');
    expect(rowsOf(figures({ verify: { failed: 'scratch server did not start' } }))['scheduled backup + check']).toBe('FAILED: scratch server did not start');
  });

  it('prints an unmeasured slot with its reason, a measured one with its pause and lost writes', () => {
    const rows = rowsOf(figures({ move: { pauseMs: 2340, acked: 500, lost: 0 }, failover: { pauseMs: 8000, acked: 300, lost: 2 } }));
    expect(rows['add-on move: write pause, lost writes']).toBe('2.34 s write pause, 0 of 500 acknowledged writes lost (goal 0)');
    expect(rows['HA failover: write pause, lost writes']).toBe('8.00 s write pause, 2 of 300 acknowledged writes lost (goal 0) GOAL MISSED');
    expect(rowsOf(figures())['HA failover: write pause, lost writes']).toBe('not measured yet (addons:move / --ha not on this branch)');
  });
});

describe('mbps', () => {
  it('is MB (10^6 bytes) per second', () => expect(mbps(250_000_000, 2000)).toBe('125.0 MB/s'));
});

describe('timeChart', () => {
  it('scales the bars to the longest time and lists only what was measured', () => {
    const lines = timeChart(figures(), 20);
    expect(lines).toHaveLength(7);
    const bar = (label: string) => lines.find((l) => l.startsWith(label))!.split(/\s{2,}/)[1]!.trim();
    expect(bar('its check (verifyBackup)')).toBe('#'.repeat(20));
    expect(bar('restore, plain pg_restore')).toBe('#'.repeat(10));
    expect(lines.some((l) => l.startsWith('move pause'))).toBe(false);
    expect(timeChart(figures({ move: { pauseMs: 1000, acked: 1, lost: 0 } }), 20).some((l) => l.startsWith('move pause'))).toBe(true);
  });
});
