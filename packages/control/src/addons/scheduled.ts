/**
 * The scheduled backup of one add-on, as the scheduler's backup timer runs it: take it (counting
 * the source), check it by a restore (verify.ts), then apply retention. Which add-ons owe one now:
 * scheduledBackupsOwed.
 */
import type { Backup } from '@gantry/db';
import { now, type Ctx } from '../context';
import { ADDON_INCLUDE, type AddonRow } from './access';
import { takeBackup } from './backups';
import { applyRetention } from './retention';
import { backupOwed } from './schedule';
import { verifyBackup } from './verify';

/** Add-ons whose daily backup is due and not yet started, with the due time. */
export async function scheduledBackupsOwed(ctx: Ctx): Promise<{ addon: AddonRow; dueAt: Date }[]> {
  const addons = await ctx.db.addon.findMany({ where: { backupAt: { not: null } }, include: ADDON_INCLUDE, orderBy: { createdAt: 'asc' } });
  if (addons.length === 0) return [];
  const last = await ctx.db.backup.groupBy({ by: ['addonId'], where: { trigger: 'scheduled', addonId: { in: addons.map((a) => a.id) } }, _max: { createdAt: true } });
  const lastOf = new Map(last.map((l) => [l.addonId, l._max.createdAt]));
  const at = now(ctx);
  return addons.flatMap((addon) => {
    const dueAt = backupOwed(addon, lastOf.get(addon.id) ?? null, at);
    return dueAt ? [{ addon, dueAt }] : [];
  });
}

export interface ScheduledBackupResult {
  backup: Backup;
  removed: Backup[];
}

/**
 * Takes, checks and prunes. Throws BackupFailed when the backup fails (it is already recorded
 * and told); a failed check is in the returned row (verify=failed), also already told.
 */
export async function runScheduledBackup(ctx: Ctx, addon: AddonRow): Promise<ScheduledBackupResult> {
  const taken = await takeBackup(ctx, addon, 'scheduled', { count: true });
  const backup = await verifyBackup(ctx, taken);
  const removed = await applyRetention(ctx, addon);
  return { backup, removed };
}
