/**
 * HA add-ons' Patroni clusters, as the control plane sees them: read from the add-on's etcd (by
 * gantry-ha-status, in the etcd container) and kept in Redis, so the scheduler names the leader at
 * <addon>.internal, backups and psql run in the leader, and addons:info shows every member.
 *
 *   watchHa (scheduler, leader, every second)
 *     └─ each HA add-on: gantry-ha-status in etcd.1 ─▶ AddonHaStore ─▶ leader changed? wake(app)
 */
import { HA_DCS_TYPE, parseHaStatus, type HaStatus } from '@gantry/core';
import type { Ctx } from '../context';
import { platformOf } from './addons';

/** How long one read of an etcd may take (its host may be gone: the exec then never answers). */
export const HA_READ_TIMEOUT_MS = 3000;

export async function readHaStatus(ctx: Ctx, appId: string, timeoutMs = HA_READ_TIMEOUT_MS): Promise<HaStatus> {
  const { servers } = platformOf(ctx);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`its etcd did not answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const r = await Promise.race([servers.exec(appId, ['gantry-ha-status'], {}, HA_DCS_TYPE), timeout]);
    if (r.exitCode !== 0) throw new Error(`gantry-ha-status exited with ${r.exitCode}: ${(r.stderr || r.stdout).trim().slice(0, 300)}`);
    return parseHaStatus(r.stdout.trim());
  } finally {
    clearTimeout(timer);
  }
}

export interface HaChange {
  addon: string;
  appId: string;
  from: string | null;
  to: string | null;
}

/**
 * One pass over every HA add-on: reads its cluster, stores it, and returns the add-ons whose
 * leader changed (the caller re-publishes their names). A read that fails keeps the last status
 * (the leader does not change because its etcd could not be asked) and records why.
 */
export async function watchHa(ctx: Ctx): Promise<{ changes: HaChange[]; errors: { addon: string; error: string }[] }> {
  const { ha } = platformOf(ctx);
  const addons = await ctx.db.addon.findMany({ where: { ha: true }, select: { name: true, appId: true } });
  const changes: HaChange[] = [];
  const errors: { addon: string; error: string }[] = [];
  await Promise.all(
    addons.map(async (a) => {
      const before = await ha.get(a.appId);
      try {
        const status = await readHaStatus(ctx, a.appId);
        await ha.set(a.appId, { status, at: Date.now(), error: null });
        const from = before?.status?.leader ?? null;
        if (from !== status.leader) changes.push({ addon: a.name, appId: a.appId, from, to: status.leader });
      } catch (err) {
        const error = (err as Error).message;
        await ha.set(a.appId, { status: before?.status ?? null, at: before?.at ?? 0, error });
        errors.push({ addon: a.name, error });
      }
    }),
  );
  return { changes, errors };
}
