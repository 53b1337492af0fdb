import { describe, expect, it } from 'vitest';
import { assertBackupTime, assertKeep, backupOwed, dueAt } from './schedule';

describe('backup schedule', () => {
  const t = (iso: string) => new Date(iso);

  it('is due at the newest HH:MM (UTC) after the schedule was set, not before', () => {
    const set = t('2026-12-05T01:30:00Z');
    expect(dueAt('02:00', set, t('2026-12-05T01:59:59Z'))).toBeNull();
    expect(dueAt('02:00', set, t('2026-12-05T02:00:00Z'))).toEqual(t('2026-12-05T02:00:00Z'));
    expect(dueAt('02:00', set, t('2026-12-05T23:00:00Z'))).toEqual(t('2026-12-05T02:00:00Z'));
    // The next day, the newest one is that day's.
    expect(dueAt('02:00', set, t('2026-12-06T02:00:01Z'))).toEqual(t('2026-12-06T02:00:00Z'));
    // Set after today's time: first due tomorrow (yesterday's is before the schedule).
    expect(dueAt('02:00', t('2026-12-05T03:00:00Z'), t('2026-12-05T12:00:00Z'))).toBeNull();
    expect(dueAt('02:00', t('2026-12-05T03:00:00Z'), t('2026-12-06T02:00:00Z'))).toEqual(t('2026-12-06T02:00:00Z'));
  });

  it('takes HH:MM and a keep of 1 to 90 only', () => {
    expect(assertBackupTime('00:00')).toBe('00:00');
    expect(assertBackupTime('23:59')).toBe('23:59');
    for (const bad of ['24:00', '2:00', '02:60', '0200', '']) expect(() => assertBackupTime(bad)).toThrow(/HH:MM/);
    expect(assertKeep(7)).toBe(7);
    for (const bad of [0, 91, 1.5, -1]) expect(() => assertKeep(bad)).toThrow(/keep between 1 and 90/);
  });

  it('owes a backup once per due time: none before, none again after one was started', () => {
    const addon = { backupAt: '02:00', backupScheduledAt: t('2026-12-04T12:00:00Z') };
    expect(backupOwed(addon, null, t('2026-12-05T01:59:00Z'))).toBeNull();
    expect(backupOwed(addon, null, t('2026-12-05T02:00:10Z'))).toEqual(t('2026-12-05T02:00:00Z'));
    // One started at 02:00:15 (succeeded or failed): nothing owed until tomorrow's.
    expect(backupOwed(addon, t('2026-12-05T02:00:15Z'), t('2026-12-05T09:00:00Z'))).toBeNull();
    expect(backupOwed(addon, t('2026-12-05T02:00:15Z'), t('2026-12-06T02:00:00Z'))).toEqual(t('2026-12-06T02:00:00Z'));
    // A scheduler down for a day: one backup for the newest due time, not one per missed day.
    expect(backupOwed(addon, t('2026-12-03T02:00:15Z'), t('2026-12-05T10:00:00Z'))).toEqual(t('2026-12-05T02:00:00Z'));
    // Unscheduled: never.
    expect(backupOwed({ backupAt: null, backupScheduledAt: null }, null, t('2026-12-05T10:00:00Z'))).toBeNull();
  });
});
