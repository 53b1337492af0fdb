/**
 * How backups read in the terminal (pure): the pg:backups / redis:backups table, one-line
 * summaries, and the problem a listing must not let pass (the newest backup, or its check, failed).
 */
import type { BackupView } from '@gantry/api-client';
import { firstLine, humanBytes, type Column } from './output';

/** "2026-12-05 02:00 UTC". */
const when = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;

/** "failed: disk full", "succeeded", "running". */
export function backupStatus(b: BackupView): string {
  return b.status === 'failed' ? `failed: ${firstLine(b.error) || 'no reason given'}` : b.status;
}

/** "passed", "failed: users 120 != 118", "pending", "-" (not verified). */
export function verifyText(b: BackupView): string {
  if (!b.verify) return '-';
  return b.verify === 'failed' ? `failed${b.verifyDetail ? `: ${firstLine(b.verifyDetail)}` : ''}` : b.verify;
}

const redGreen = (v: string) => (v.startsWith('failed') ? 'red' : v.startsWith('succeeded') || v.startsWith('passed') ? 'green' : v === 'running' || v === 'pending' ? 'yellow' : undefined);

/** Columns: ID, Created, Status (failed in red, with its error), Size, Verify (passed green, failed red), Trigger. */
export const BACKUP_COLUMNS: Column[] = [
  { header: 'ID' },
  { header: 'Created' },
  { header: 'Status', shrink: true, style: redGreen },
  { header: 'Size' },
  { header: 'Verify', shrink: true, style: redGreen },
  { header: 'Trigger' },
];

export function backupRows(backups: readonly BackupView[]): string[][] {
  return backups.map((b) => [b.id, when(b.createdAt), backupStatus(b), b.bytes === null ? '-' : humanBytes(b.bytes), verifyText(b), b.trigger]);
}

/** "b003 succeeded, 12 MB, verify passed (2026-12-05 02:00 UTC)". */
export function backupSummary(b: BackupView | null): string {
  if (!b) return 'none yet';
  const parts = [backupStatus(b), b.bytes !== null ? humanBytes(b.bytes) : null, b.verify ? `verify ${verifyText(b)}` : null].filter(Boolean);
  return `${b.id} ${parts.join(', ')} (${when(b.createdAt)})`;
}

/**
 * What a listing must shout about: the newest finished backup failed, or the check of the newest
 * verified one failed. Undefined when all is well.
 */
export function backupProblem(backups: readonly BackupView[]): string | undefined {
  const newest = backups.find((b) => b.status !== 'running');
  if (newest?.status === 'failed') return `The newest backup, ${newest.id} (${newest.trigger}), failed: ${firstLine(newest.error) || 'no reason given'}.`;
  const checked = backups.find((b) => b.verify === 'passed' || b.verify === 'failed');
  if (checked?.verify === 'failed') return `The check of backup ${checked.id} failed: ${firstLine(checked.verifyDetail) || 'restored row counts differ from the source'}.`;
  return undefined;
}
