/**
 * The backup timer: takes the add-ons' scheduled backups (pg:backups:schedule --at HH:MM --keep N).
 * Acts only in the leading scheduler, every 15 s, one add-on at a time (a dump and a restore are
 * heavy; this machine's cores are shared with the apps):
 *
 *   tick ─▶ sweep scratch servers left by a dead process (older than an hour)
 *        ├▶ recoverInterruptedBackups: "running" for 6 h ─▶ failed (told); check "pending" for 2 h ─▶ checked again
 *        └▶ scheduledBackupsOwed ─▶ per add-on: takeBackup (counts) ─▶ verifyBackup (scratch restore) ─▶ retention
 *
 * Every fact lives in Postgres: an add-on owes a backup when its schedule is due and no scheduled
 * backup was started since that due time, so a new leader goes on where the old one stopped, and
 * a backup that failed is reported (by takeBackup, in the add-on's and its apps' logs) and not
 * retried every tick. One add-on's failure never stops the others; each is logged here too.
 */
import { BackupFailed } from '@gantry/core';
import { backupId, recoverInterruptedBackups, runScheduledBackup, scheduledBackupsOwed, type Ctx, type ScratchServers } from '@gantry/control';
import type { Logger } from '@gantry/log';
import { describeError } from './describe-error';

export const BACKUP_TICK_MS = 15_000;
/** A scratch server older than this belongs to a check that died with its process. */
const SCRATCH_STALE_MS = 60 * 60 * 1000;

export interface BackupTimerDeps {
  /** A use-case context with add-ons (ctx.addons) and platform events (ctx.events). */
  ctx: Ctx;
  scratch: Pick<ScratchServers, 'sweep'>;
  log: Logger;
}

export interface TickReport {
  taken: { addon: string; outcome: 'passed' | 'check failed' | 'failed'; removed: number }[];
  /** "<addon> b003": backups left running by a stopped process, now failed. */
  interrupted: string[];
  /** "<addon> b003: passed": checks left pending, run again. */
  rechecked: string[];
}

export class BackupTimer {
  constructor(private readonly deps: BackupTimerDeps) {}

  /** One pass; never throws for one add-on's failure. Returns what it did, for tests. */
  async tick(): Promise<TickReport> {
    const { ctx, log } = this.deps;
    const swept = await this.deps.scratch.sweep(SCRATCH_STALE_MS).catch((err) => (log.error(`backups: sweeping scratch servers: ${describeError(err)}`), 0));
    if (swept) log.warn(`backups: removed ${swept} scratch server(s) left by an earlier check`);
    const report: TickReport = { taken: [], interrupted: [], rechecked: [] };
    try {
      const { failed, rechecked } = await recoverInterruptedBackups(ctx);
      for (const b of failed) log.error(`backups: ${b.addonName}: ${backupId(b.number)} was interrupted while it was taken: marked failed`);
      for (const b of rechecked) log[b.verify === 'passed' ? 'info' : 'error'](`backups: ${b.addonName}: the interrupted check of ${backupId(b.number)} ran again: ${b.verify} (${b.verifyDetail})`);
      report.interrupted = failed.map((b) => `${b.addonName} ${backupId(b.number)}`);
      report.rechecked = rechecked.map((b) => `${b.addonName} ${backupId(b.number)}: ${b.verify}`);
    } catch (err) {
      log.error(`backups: recovering interrupted backups: ${describeError(err)}`);
    }
    const done = report.taken;
    for (const { addon, dueAt } of await scheduledBackupsOwed(ctx)) {
      try {
        const { backup, removed } = await runScheduledBackup(ctx, addon);
        const outcome = backup.verify === 'passed' ? 'passed' : 'check failed';
        if (outcome === 'passed') log.info(`backups: ${addon.name} (due ${dueAt.toISOString()}): ${backupId(backup.number)} taken and checked; ${removed.length} old one(s) removed`);
        else log.error(`backups: ${addon.name} (due ${dueAt.toISOString()}): BACKUP CHECK FAILED for ${backupId(backup.number)}: ${backup.verifyDetail}`);
        done.push({ addon: addon.name, outcome, removed: removed.length });
      } catch (err) {
        log.error(`backups: ${addon.name} (due ${dueAt.toISOString()}): ${err instanceof BackupFailed ? err.message : describeError(err)}`);
        done.push({ addon: addon.name, outcome: 'failed', removed: 0 });
      }
    }
    return report;
  }
}
