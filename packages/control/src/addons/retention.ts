/**
 * Retention of scheduled backups (pg:backups:schedule --keep N): the newest N scheduled backups
 * that succeeded and did not fail their check are kept, older ones are removed (file and record).
 * Scheduled backups whose check failed are kept apart, the newest N of them too (evidence, and a
 * failing check never pushes good backups out). Manual and final backups are never removed by
 * retention, and failed ones stay as records (they have no file).
 */
import { rm } from 'node:fs/promises';
import type { Backup } from '@gantry/db';
import type { Ctx } from '../context';

type RetentionRow = Pick<Backup, 'id' | 'number' | 'trigger' | 'status' | 'verify'>;

/** The rows retention removes, newest kept first; pure. */
export function backupsToPrune<T extends RetentionRow>(rows: T[], keep: number): T[] {
  const scheduled = rows.filter((b) => b.trigger === 'scheduled' && b.status === 'succeeded').sort((a, b) => b.number - a.number);
  const good = scheduled.filter((b) => b.verify !== 'failed');
  const bad = scheduled.filter((b) => b.verify === 'failed');
  return [...good.slice(keep), ...bad.slice(keep)].sort((a, b) => a.number - b.number);
}

/** Removes what retention drops for one add-on; returns the removed rows. */
export async function applyRetention(ctx: Ctx, addon: { id: string; name: string; backupKeep: number }): Promise<Backup[]> {
  const rows = await ctx.db.backup.findMany({ where: { addonId: addon.id, trigger: 'scheduled', status: 'succeeded' } });
  const prune = backupsToPrune(rows, addon.backupKeep);
  for (const b of prune) {
    // The file first: a record without a file would be worse than a file without a record.
    if (b.location) await rm(b.location, { force: true });
    await ctx.db.backup.delete({ where: { id: b.id } });
  }
  return prune;
}
