/**
 * pg:backups:capture: a manual backup, unchecked by default. With `verify` the source is counted
 * around the dump and the backup is checked by a scratch restore (verify.ts) before the call
 * returns; a failed check throws BackupFailed (the backup is kept; its record says verify=failed).
 */
import { BackupFailed } from '@gantry/core';
import type { Backup } from '@gantry/db';
import type { Actor, Ctx } from '../context';
import { addonFor } from './access';
import { backupId, takeBackup } from './backups';
import { verifyBackup } from './verify';

export async function captureBackup(ctx: Ctx, actor: Actor, name: string, options: { verify?: boolean } = {}): Promise<Backup> {
  const addon = await addonFor(ctx, actor, name, 'write');
  const taken = await takeBackup(ctx, addon, 'manual', { count: options.verify === true });
  if (!options.verify) return taken;
  const checked = await verifyBackup(ctx, taken);
  if (checked.verify !== 'passed') throw new BackupFailed(`Backup ${backupId(checked.number)} of ${addon.name} was taken, but its check failed: ${checked.verifyDetail}`, { addon: addon.name, backup: backupId(checked.number) });
  return checked;
}
