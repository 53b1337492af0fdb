/**
 * The scheduled backup of one add-on, as the scheduler's backup timer runs it: take it (counting
 * the source), check it by a restore (verify.ts), then apply retention. Which add-ons owe one now:
 * scheduledBackupsOwed. What a process that stopped mid-way left: recoverInterruptedBackups.
 */
import { rm } from 'node:fs/promises';
import type { Backup } from '@gantry/db';
import { now, type Ctx } from '../context';
import { ADDON_INCLUDE, type AddonRow } from './access';
import { platformOf } from './addons';
import { backupId, backupLocation, takeBackup, tellAddon } from './backups';
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

/** A backup still "running" this long after it started was interrupted (the process taking it stopped). */
export const BACKUP_INTERRUPTED_MS = 6 * 60 * 60 * 1000;
/** A check still "pending" this long after its backup was stored was interrupted: it is run again. */
export const CHECK_INTERRUPTED_MS = 2 * 60 * 60 * 1000;

/**
 * Nothing stays silently half-done when a process stops mid-way: a backup left "running" becomes
 * failed (its partial file removed), loudly like any failed backup; a check left "pending" is run
 * again. Returns what it changed.
 */
export async function recoverInterruptedBackups(ctx: Ctx): Promise<{ failed: Backup[]; rechecked: Backup[] }> {
  const at = now(ctx).getTime();
  const { backupDir } = platformOf(ctx);
  const failed: Backup[] = [];
  const stale = await ctx.db.backup.findMany({ where: { status: 'running', createdAt: { lt: new Date(at - BACKUP_INTERRUPTED_MS) } }, orderBy: { createdAt: 'asc' } });
  for (const b of stale) {
    const reason = 'interrupted: the process taking it stopped before it finished';
    // Compare-and-set: a backup that finished meanwhile is left alone.
    const { count } = await ctx.db.backup.updateMany({ where: { id: b.id, status: 'running' }, data: { status: 'failed', error: reason, finishedAt: new Date(at) } });
    if (count === 0) continue;
    await rm(backupLocation(backupDir, b), { force: true });
    const addon = b.addonId ? await ctx.db.addon.findUnique({ where: { id: b.addonId }, include: ADDON_INCLUDE }) : null;
    if (addon) await tellAddon(ctx, addon, `BACKUP FAILED: ${backupId(b.number)} of ${b.addonName} (${b.trigger}): ${reason}`);
    failed.push(await ctx.db.backup.findUniqueOrThrow({ where: { id: b.id } }));
  }
  const pending = await ctx.db.backup.findMany({ where: { verify: 'pending', status: 'succeeded', finishedAt: { lt: new Date(at - CHECK_INTERRUPTED_MS) } }, orderBy: { createdAt: 'asc' } });
  const rechecked: Backup[] = [];
  for (const b of pending) rechecked.push(await verifyBackup(ctx, b));
  return { failed, rechecked };
}
