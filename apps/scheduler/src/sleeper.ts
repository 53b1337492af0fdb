/**
 * Sleeping web types, the scheduler's side (leader only):
 *
 *   every 10 s: types with ps:sleep on, awake ─▶ last request (routers' stamp) ─▶ shouldSleep ─▶ sleepIdle
 *   event "wake" from a router holding a request ─▶ wakeSleeping ─▶ the app's pass places instances
 *
 * The decisions are core's (sleep.ts); the formation changes are control's.
 */
import { shouldSleep } from '@gantry/core';
import { sleepIdle, wakeSleeping, type Ctx } from '@gantry/control';
import type { MetricsStore } from '@gantry/live';
import type { Logger } from '@gantry/log';
import { describeError } from './describe-error';

export const SLEEP_TICK_MS = 10_000;

export interface SleeperDeps {
  ctx: Ctx;
  metrics: Pick<MetricsStore, 'lastRequests'>;
  log: Logger;
}

export class Sleeper {
  constructor(private readonly deps: SleeperDeps) {}

  /** Puts idle types to sleep; returns "app type" of each. */
  async tick(now = Date.now()): Promise<string[]> {
    const { ctx, log } = this.deps;
    const entries = await ctx.db.formationEntry.findMany({
      where: { NOT: { sleepAfter: null }, sleepingSince: null, quantity: { gt: 0 } },
      include: { app: { select: { name: true } } },
    });
    if (entries.length === 0) return [];
    const last = await this.deps.metrics.lastRequests();
    const slept: string[] = [];
    for (const e of entries) {
      const lastRequest = last.get(e.appId) ?? null;
      if (!shouldSleep(e, lastRequest, now)) continue;
      try {
        const idleMs = now - Math.max(lastRequest ?? 0, e.awakeSince?.getTime() ?? 0);
        if (await sleepIdle(ctx, e.appId, e.type, idleMs)) {
          log.info(`sleep: ${e.app.name} ${e.type} (idle ${Math.round(idleMs / 1000)} s)`);
          slept.push(`${e.app.name} ${e.type}`);
        }
      } catch (err) {
        log.error(`sleep: ${e.app.name} ${e.type}: ${describeError(err)}`);
      }
    }
    return slept;
  }

  /** A router asks for the app (it holds requests for it). */
  async wake(appId: string, by: string): Promise<void> {
    const types = await wakeSleeping(this.deps.ctx, appId, by);
    if (types.length) this.deps.log.info(`sleep: woke ${types.join(', ')} of ${appId} for ${by}`);
  }
}
