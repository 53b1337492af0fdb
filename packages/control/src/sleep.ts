/**
 * Sleeping web types (`ps:sleep --after 30m`, `ps:sleep --now`, `ps:sleep --off`): the rules are
 * core's (sleep.ts); here the formation entry changes, and the scheduler is woken.
 *
 *   ps:sleep --after 30m ─▶ sleepAfter, awakeSince = now
 *   scheduler's SleepTimer: idle >= sleepAfter ─▶ sleepIdle: sleepingSince = now ─▶ 0 instances
 *   a router holds a request ─▶ event "wake" ─▶ wakeSleeping: sleepingSince = null ─▶ instances
 *   ps:scale of the type ─▶ awake again (formation.ts)
 */
import { Conflict, DEFAULT_SLEEP_AFTER_S, InvalidInput, SLEEPING_TYPES, formatSleepAfter, parseSleepAfter } from '@gantry/core';
import { Prisma, type App, type FormationEntry } from '@gantry/db';
import { appFor } from './access';
import { audit } from './audit';
import type { Actor, Ctx } from './context';
import { announce } from './events';

export interface SleepInput {
  /** "30m", "2h"... or seconds. */
  after?: unknown;
  /** Never sleep again (and wake now if asleep). */
  off?: boolean;
  /** Go to sleep at once (sleeping after 30 minutes from then on, unless `after` says otherwise). */
  now?: boolean;
}

export interface SleepView {
  type: string;
  quantity: number;
  /** Seconds without a request before sleeping; null: never sleeps. */
  sleepAfter: number | null;
  sleepingSince: Date | null;
}

export function sleepView(f: FormationEntry): SleepView {
  return { type: f.type, quantity: f.quantity, sleepAfter: f.sleepAfter, sleepingSince: f.sleepingSince };
}

async function sleepingEntry(ctx: Ctx, app: App, type: string): Promise<FormationEntry> {
  if (app.kind === 'addon') throw new Conflict(`${app.name} runs an add-on's server: it never sleeps.`);
  if (!SLEEPING_TYPES.includes(type)) throw new InvalidInput(`Only ${SLEEPING_TYPES.join(', ')} can sleep: a router wakes it on a request, and ${type} serves none.`, { field: 'type' });
  const entry = await ctx.db.formationEntry.findUnique({ where: { appId_type: { appId: app.id, type } } });
  if (!entry) throw new InvalidInput(`${app.name} has no ${type} process type yet: push the app first.`, { field: 'type' });
  return entry;
}

/** ps:sleep: sets when the type sleeps, turns it off, or puts it to sleep now. */
export async function setSleep(ctx: Ctx, actor: Actor, appName: string, type: string, input: SleepInput): Promise<SleepView> {
  const app = await appFor(ctx, actor, appName, 'write');
  const given = [input.after !== undefined, input.off === true, input.now === true].filter(Boolean).length;
  if (given === 0) throw new InvalidInput('Say when the type sleeps: --after 30m, --now or --off.');
  if (input.off === true && given > 1) throw new InvalidInput('--off cannot be combined with --after or --now.');
  const after = input.after !== undefined ? parseSleepAfter(input.after) : undefined;
  const entry = await sleepingEntry(ctx, app, type);
  const now = new Date();
  let data: Prisma.FormationEntryUpdateInput;
  let line: string;
  if (input.off === true) {
    data = { sleepAfter: null, sleepingSince: null, awakeSince: now };
    line = `${type} never sleeps any more${entry.sleepingSince ? ' (waking it now)' : ''}, set by ${actor.email}`;
  } else if (input.now === true) {
    if (entry.quantity === 0) throw new Conflict(`${type} of ${app.name} is scaled to 0: there is nothing to put to sleep.`);
    const seconds = after ?? entry.sleepAfter ?? DEFAULT_SLEEP_AFTER_S;
    data = { sleepAfter: seconds, sleepingSince: entry.sleepingSince ?? now };
    line = `${type} put to sleep by ${actor.email}; the next request wakes it (then it sleeps after ${formatSleepAfter(seconds)} without a request)`;
  } else {
    data = { sleepAfter: after!, ...(entry.sleepingSince ? {} : { awakeSince: now }) };
    line = `${type} sleeps after ${formatSleepAfter(after!)} without a request, set by ${actor.email}`;
  }
  const row = await ctx.db.formationEntry.update({ where: { appId_type: { appId: app.id, type } }, data });
  await ctx.live?.wake(app.id, `sleep of ${type} set by ${actor.email}`);
  await announce(ctx, app.id, line);
  await audit(ctx, actor, app, 'sleep.set', type, { after: row.sleepAfter, off: input.off === true, now: input.now === true, was: entry.sleepAfter });
  return sleepView(row);
}

/**
 * The scheduler's idle check: puts the type to sleep if it still may (awake, sleep still on).
 * Returns whether it did.
 */
export async function sleepIdle(ctx: Ctx, appId: string, type: string, idleMs: number): Promise<boolean> {
  const done = await ctx.db.formationEntry.updateMany({ where: { appId, type, sleepingSince: null, NOT: { sleepAfter: null }, quantity: { gt: 0 } }, data: { sleepingSince: new Date() } });
  if (done.count === 0) return false;
  await announce(ctx, appId, `${type} is going to sleep: no request for ${formatSleepAfter(Math.round(idleMs / 1000))}; the next request wakes it`);
  await ctx.live?.wake(appId, `${type} sleeps`);
  return true;
}

/** A router holds a request: every sleeping type of the app wakes. Returns the types woken. */
export async function wakeSleeping(ctx: Ctx, appId: string, by: string): Promise<string[]> {
  const asleep = await ctx.db.formationEntry.findMany({ where: { appId, NOT: { sleepingSince: null } }, select: { type: true, sleepingSince: true } });
  if (asleep.length === 0) return [];
  const now = new Date();
  const done = await ctx.db.formationEntry.updateMany({ where: { appId, type: { in: asleep.map((a) => a.type) }, NOT: { sleepingSince: null } }, data: { sleepingSince: null, awakeSince: now } });
  if (done.count === 0) return [];
  const types = asleep.map((a) => a.type);
  const slept = Math.round((now.getTime() - Math.min(...asleep.map((a) => a.sleepingSince!.getTime()))) / 1000);
  await announce(ctx, appId, `${types.join(', ')} waking up on a request (asleep for ${slept} s, held by ${by})`);
  await ctx.live?.wake(appId, `woken by ${by}`);
  return types;
}
