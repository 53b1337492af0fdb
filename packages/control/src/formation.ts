/**
 * The formation: per process type, how many instances of which size, and where they may run.
 * `ps:scale web=3 worker=2`, `ps:type web=standard-2x`, `ps:constraints web region=eu`.
 */
import { Conflict, InvalidInput, SIZES, assertScalableType, findSize, isScalableType } from '@gantry/core';
import type { FormationEntry } from '@gantry/db';
import { appFor } from './access';
import { announce, scaledLine } from './events';
import { audit } from './audit';
import { refuseAutoscaled } from './autoscale';
import type { Actor, Ctx } from './context';

export interface ConstraintInput {
  label: string;
  op: '=' | '!=';
  value: string;
}

const MAX_QUANTITY = 100;
const LABEL = /^[a-zA-Z0-9._/-]{1,63}$/;

/** "region=eu", "disk!=hdd" -> constraints; "" clears. */
export function parseConstraints(args: string[]): ConstraintInput[] {
  return args.filter(Boolean).map((arg) => {
    const m = /^([^!=\s]+)(!=|=)([^\s]*)$/.exec(arg);
    if (!m || !LABEL.test(m[1]!) || (m[3] && !LABEL.test(m[3]))) {
      throw new InvalidInput(`Invalid constraint ${JSON.stringify(arg)}: use label=value or label!=value.`);
    }
    return { label: m[1]!, op: m[2] as '=' | '!=', value: m[3]! };
  });
}

/** An app's formation: its scalable types (an entry of type release, from before it was refused, is not one). */
async function formationOf(ctx: Ctx, appId: string): Promise<FormationEntry[]> {
  const rows = await ctx.db.formationEntry.findMany({ where: { appId }, orderBy: { type: 'asc' } });
  return rows.filter((r) => isScalableType(r.type));
}

async function entriesOf(ctx: Ctx, appId: string, types: string[]): Promise<Map<string, FormationEntry>> {
  for (const t of types) assertScalableType(t);
  const rows = await formationOf(ctx, appId);
  const byType = new Map(rows.map((r) => [r.type, r]));
  const unknown = types.filter((t) => !byType.has(t));
  if (unknown.length) {
    const have = rows.map((r) => r.type).join(', ') || 'none yet (push the app first)';
    throw new InvalidInput(`No process type ${unknown.join(', ')} in this app. Process types: ${have}.`);
  }
  return byType;
}

export async function listFormation(ctx: Ctx, actor: Actor, appName: string) {
  const app = await appFor(ctx, actor, appName, 'read');
  return { app, formation: await formationOf(ctx, app.id) };
}

/**
 * Changes quantities and/or sizes: { web: { quantity: 3 }, worker: { size: "standard-2x" } }.
 * Everything is validated before anything changes. The entries changed are marked set by hand:
 * app.json `formation` no longer changes them.
 */
export async function updateFormation(ctx: Ctx, actor: Actor, appName: string, changes: Record<string, { quantity?: number; size?: string }>) {
  const app = await appFor(ctx, actor, appName, 'write');
  if (app.kind === 'addon') throw new Conflict(`${app.name} runs an add-on's server: it runs one instance, sized by its plan.`);
  const types = Object.keys(changes);
  if (types.length === 0) throw new InvalidInput('No process types given: use e.g. web=3.');
  for (const [type, c] of Object.entries(changes)) {
    assertScalableType(type);
    if (c.quantity !== undefined && (!Number.isInteger(c.quantity) || c.quantity < 0 || c.quantity > MAX_QUANTITY)) {
      throw new InvalidInput(`Quantity of ${type} must be a whole number from 0 to ${MAX_QUANTITY}.`);
    }
    if (c.size !== undefined && !findSize(c.size)) {
      throw new InvalidInput(`Unknown size ${JSON.stringify(c.size)}. Sizes: ${SIZES.map((s) => s.name).join(', ')}.`);
    }
  }
  const entries = await entriesOf(ctx, app.id, types);
  refuseAutoscaled([...entries.values()], types.filter((t) => changes[t]!.quantity !== undefined), app.name);
  await refuseSharedWriters(ctx, app.id, changes);
  await ctx.db.$transaction(
    Object.entries(changes).map(([type, c]) =>
      ctx.db.formationEntry.update({
        where: { appId_type: { appId: app.id, type } },
        // A count set by hand wakes a sleeping type (its idle time counts from now).
        data: { ...(c.quantity !== undefined ? { quantity: c.quantity, sleepingSince: null, awakeSince: new Date() } : {}), ...(c.size !== undefined ? { size: c.size } : {}), setByUser: true },
      }),
    ),
  );
  await ctx.live?.wake(app.id, `formation changed by ${actor.email}`);
  const result = await listFormation(ctx, actor, appName);
  await announce(ctx, app.id, scaledLine(result.formation, types, actor.email));
  await audit(ctx, actor, app, 'scale', app.name, { changes });
  return result;
}

/** A volume takes one writer: a type that mounts one (not marked concurrent) runs one instance. */
async function refuseSharedWriters(ctx: Ctx, appId: string, changes: Record<string, { quantity?: number }>): Promise<void> {
  const over = Object.entries(changes).filter(([, c]) => (c.quantity ?? 0) > 1).map(([t]) => t);
  if (!over.length) return;
  const v = await ctx.db.volume.findFirst({ where: { appId, processType: { in: over }, concurrent: false } });
  if (v) {
    throw new Conflict(
      `${v.processType} mounts the volume ${v.name}, which takes one writer: it runs one instance. To run more, mount it again with --concurrent if they can share the files (gantry volumes:unmount ${v.name}, then volumes:mount ${v.name} ${v.mountPath} --type ${v.processType} --concurrent).`,
    );
  }
}

export async function setConstraints(ctx: Ctx, actor: Actor, appName: string, type: string, constraints: ConstraintInput[]) {
  const app = await appFor(ctx, actor, appName, 'write');
  await entriesOf(ctx, app.id, [type]);
  await ctx.db.formationEntry.update({ where: { appId_type: { appId: app.id, type } }, data: { constraints: constraints as object[] } });
  await ctx.live?.wake(app.id, `constraints of ${type} changed`);
  return listFormation(ctx, actor, appName);
}

/** How many instances a deploy replaces at a time (null: all at once). */
export async function setDeployBatch(ctx: Ctx, actor: Actor, appName: string, batch: number | null) {
  const app = await appFor(ctx, actor, appName, 'write');
  if (batch !== null && (!Number.isInteger(batch) || batch < 1 || batch > MAX_QUANTITY)) {
    throw new InvalidInput(`The deploy batch size must be a whole number from 1 to ${MAX_QUANTITY}, or "all".`);
  }
  return ctx.db.app.update({ where: { id: app.id }, data: { deployBatch: batch } });
}
