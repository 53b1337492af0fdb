import { describe, expect, it } from 'vitest';
import type { BackupView } from '@gantry/api-client';
import { BACKUP_COLUMNS, backupProblem, backupRows, backupSummary } from './backup-table';
import { renderTable, type Paint } from './output';

const backup = (id: string, status: string, extra: Partial<BackupView> = {}): BackupView => ({
  id,
  addon: 'postgres-shiny-1234',
  kind: 'postgres',
  trigger: 'scheduled',
  status,
  error: null,
  bytes: 12 * 1024 * 1024,
  sha256: 'a'.repeat(64),
  location: `/backups/${id}`,
  verify: null,
  verifyDetail: null,
  createdAt: '2026-12-05T02:00:07.123Z',
  finishedAt: null,
  ...extra,
});

/** Marks colours as <red>...</red> so the test reads which cell got which colour. */
const tags: Paint = Object.fromEntries(['bold', 'dim', 'red', 'green', 'yellow', 'cyan', 'magenta'].map((s) => [s, (x: string) => (s === 'bold' ? x : `<${s}>${x.trimEnd()}</${s}>`)])) as Paint;

describe('the backup table', () => {
  const backups = [
    backup('b004', 'failed', { error: 'pg_dump: error: connection refused\nmore lines', bytes: null, sha256: null, location: null }),
    backup('b003', 'succeeded', { verify: 'failed', verifyDetail: 'users: 120 rows in the source, 118 restored' }),
    backup('b002', 'succeeded', { verify: 'passed', trigger: 'manual' }),
    backup('b001', 'running', { bytes: null }),
  ];

  it('has the columns ID, Created, Status, Size, Verify, Trigger', () => {
    expect(BACKUP_COLUMNS.map((c) => c.header)).toEqual(['ID', 'Created', 'Status', 'Size', 'Verify', 'Trigger']);
  });

  it('shows a failed backup with the first line of its error, and the check\'s result', () => {
    expect(backupRows(backups)).toEqual([
      ['b004', '2026-12-05 02:00 UTC', 'failed: pg_dump: error: connection refused', '-', '-', 'scheduled'],
      ['b003', '2026-12-05 02:00 UTC', 'succeeded', '12 MB', 'failed: users: 120 rows in the source, 118 restored', 'scheduled'],
      ['b002', '2026-12-05 02:00 UTC', 'succeeded', '12 MB', 'passed', 'manual'],
      ['b001', '2026-12-05 02:00 UTC', 'running', '-', '-', 'scheduled'],
    ]);
  });

  it('paints failures red and passes green', () => {
    const lines = renderTable(BACKUP_COLUMNS, backupRows(backups), undefined, tags);
    expect(lines[1]).toContain('<red>failed: pg_dump: error: connection refused</red>');
    expect(lines[2]).toContain('<green>succeeded</green>');
    expect(lines[2]).toContain('<red>failed: users: 120 rows in the source, 118 restored</red>');
    expect(lines[3]).toContain('<green>passed</green>');
    expect(lines[4]).toContain('<yellow>running</yellow>');
    expect(lines[4]).not.toContain('<red>');
  });

  it('prints no colour codes without a painter (pipes, NO_COLOR)', () => {
    const lines = renderTable(BACKUP_COLUMNS, backupRows(backups));
    expect(lines.join('\n')).not.toMatch(/\x1b|</);
    expect(lines[0]).toMatch(/^ID +Created +Status +Size +Verify +Trigger$/);
  });

  it('summarises one backup', () => {
    expect(backupSummary(null)).toBe('none yet');
    expect(backupSummary(backups[2]!)).toBe('b002 succeeded, 12 MB, verify passed (2026-12-05 02:00 UTC)');
    expect(backupSummary(backups[0]!)).toBe('b004 failed: pg_dump: error: connection refused (2026-12-05 02:00 UTC)');
  });
});

describe('backupProblem', () => {
  it('is the newest finished backup\'s failure', () => {
    expect(backupProblem([backup('b3', 'running'), backup('b2', 'failed', { error: 'disk full' }), backup('b1', 'succeeded')])).toBe('The newest backup, b2 (scheduled), failed: disk full.');
  });

  it('is the newest check\'s failure', () => {
    expect(backupProblem([backup('b3', 'succeeded', { verify: 'pending' }), backup('b2', 'succeeded', { verify: 'failed', verifyDetail: 'orders: 5 != 4' })])).toBe('The check of backup b2 failed: orders: 5 != 4.');
  });

  it('is nothing once a newer backup succeeded and its check passed', () => {
    expect(backupProblem([backup('b3', 'succeeded', { verify: 'passed' }), backup('b2', 'failed'), backup('b1', 'succeeded', { verify: 'failed' })])).toBeUndefined();
    expect(backupProblem([])).toBeUndefined();
  });
});
