import { describe, expect, it } from 'vitest';
import { backupsToPrune } from './retention';

type Row = { id: string; number: number; trigger: string; status: string; verify: string | null };
const row = (number: number, trigger = 'scheduled', status = 'succeeded', verify: string | null = 'passed'): Row => ({ id: `id${number}`, number, trigger, status, verify });
const numbers = (rows: Row[]) => rows.map((r) => r.number);

describe('retention of scheduled backups', () => {
  it('keeps the newest N succeeded scheduled ones and removes the older ones, oldest first', () => {
    const rows = [row(3), row(1), row(5), row(2), row(4)];
    expect(numbers(backupsToPrune(rows, 2))).toEqual([1, 2, 3]);
    expect(numbers(backupsToPrune(rows, 5))).toEqual([]);
    expect(numbers(backupsToPrune(rows, 7))).toEqual([]);
  });

  it('never removes manual or final backups, nor failed ones (records), and they do not count', () => {
    const rows = [row(1), row(2, 'manual'), row(3, 'final'), row(4, 'scheduled', 'failed', null), row(5, 'scheduled', 'running', null), row(6), row(7)];
    expect(numbers(backupsToPrune(rows, 2))).toEqual([1]);
  });

  it('backups whose check failed neither count as kept nor push good ones out; the newest N of them stay too', () => {
    const rows = [row(1), row(2), row(3, 'scheduled', 'succeeded', 'failed'), row(4, 'scheduled', 'succeeded', 'failed'), row(5, 'scheduled', 'succeeded', 'failed')];
    expect(numbers(backupsToPrune(rows, 2))).toEqual([3]);
    // Unchecked (verify null, pending) ones count as good: a check still running must not lose its backup.
    expect(numbers(backupsToPrune([row(1), row(2, 'scheduled', 'succeeded', 'pending'), row(3, 'scheduled', 'succeeded', null)], 2))).toEqual([1]);
  });
});
