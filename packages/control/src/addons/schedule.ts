/**
 * pg:backups:schedule --at HH:MM --keep N: a daily backup at HH:MM UTC, verified after it is
 * taken, the newest N scheduled ones kept. The scheduler's backup timer (apps/scheduler) runs it.
 */
import { InvalidInput } from '@gantry/core';
import type { Actor, Ctx } from '../context';
import { audit } from '../audit';
import { addonFor, type AddonRow } from './access';

export const MAX_KEEP = 90;

export function assertBackupTime(at: string): string {
  const m = /^(\d{2}):(\d{2})$/.exec(at);
  if (!m || Number(m[1]) > 23 || Number(m[2]) > 59) throw new InvalidInput(`Invalid time ${JSON.stringify(at)}: use HH:MM in UTC, e.g. 02:00.`, { field: 'at' });
  return at;
}

export function assertKeep(keep: number): number {
  if (!Number.isInteger(keep) || keep < 1 || keep > MAX_KEEP) throw new InvalidInput(`Invalid --keep ${keep}: keep between 1 and ${MAX_KEEP} scheduled backups.`, { field: 'keep' });
  return keep;
}

/**
 * When the schedule is due next at or before `now`: the newest HH:MM (UTC) not later than now,
 * if it is after the schedule was set; else null.
 */
export function dueAt(at: string, scheduledAt: Date, now: Date): Date | null {
  const [h, m] = at.split(':').map(Number) as [number, number];
  const today = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), h, m));
  const last = today.getTime() <= now.getTime() ? today : new Date(today.getTime() - 86_400_000);
  return last.getTime() > scheduledAt.getTime() ? last : null;
}

export async function scheduleBackups(ctx: Ctx, actor: Actor, name: string, at: string, keep: number): Promise<AddonRow> {
  assertBackupTime(at);
  assertKeep(keep);
  const addon = await addonFor(ctx, actor, name, 'write');
  await ctx.db.addon.update({ where: { id: addon.id }, data: { backupAt: at, backupKeep: keep, backupScheduledAt: new Date() } });
  await audit(ctx, actor, { id: addon.appId, teamId: addon.teamId }, 'addon.backups.schedule', addon.name, { at, keep });
  return addonFor(ctx, actor, name, 'read');
}

export async function unscheduleBackups(ctx: Ctx, actor: Actor, name: string): Promise<AddonRow> {
  const addon = await addonFor(ctx, actor, name, 'write');
  await ctx.db.addon.update({ where: { id: addon.id }, data: { backupAt: null, backupScheduledAt: null } });
  await audit(ctx, actor, { id: addon.appId, teamId: addon.teamId }, 'addon.backups.unschedule', addon.name);
  return addonFor(ctx, actor, name, 'read');
}

/**
 * The due time an add-on's scheduled backup is owed for, or null: its schedule is due (dueAt) and
 * no scheduled backup was started since that due time (one that failed counts: it is reported,
 * not retried every tick; the next day's is taken as usual).
 */
export function backupOwed(addon: { backupAt: string | null; backupScheduledAt: Date | null }, lastScheduledAt: Date | null, now: Date): Date | null {
  if (!addon.backupAt || !addon.backupScheduledAt) return null;
  const due = dueAt(addon.backupAt, addon.backupScheduledAt, now);
  if (!due) return null;
  return lastScheduledAt && lastScheduledAt.getTime() >= due.getTime() ? null : due;
}
