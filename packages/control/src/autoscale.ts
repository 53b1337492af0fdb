/**
 * Autoscaling policies of process types, and the changes the autoscaler makes: `autoscale`,
 * `autoscale web --min 1 --max 8 --p95 300ms | --rps 150 | --cpu 70%`, `autoscale:disable web`,
 * `autoscale:events`. The decisions are core's (autoscale.ts); the scheduler's timer reads the
 * metrics and calls applyScale here.
 *
 *   autoscale web ... ─▶ FormationEntry.autoscale (policy) ─▶ scheduler's AutoscaleTimer (10 s)
 *   AutoscaleTimer ─ decide() says 2 -> 4 ─▶ applyScale: quantity, AutoscaleEvent, wake
 *   ps:scale of an autoscaled type ─▶ 409 naming the policy
 */
import { Conflict, InvalidInput, assertScalableType, policyProblems, type AutoscaleMetric, type AutoscalePolicy } from '@gantry/core';
import { Prisma, type App, type AutoscaleEvent, type FormationEntry } from '@gantry/db';
import { appFor } from './access';
import { audit } from './audit';
import type { Actor, Ctx } from './context';

/** Process types routers send traffic to: the ones whose p95 and requests per second are measured. */
export const SERVING_TYPES = ['web'];
const MAX_AUTOSCALE = 100;

/** Formation entries with an autoscaling policy (the filter the autoscaler and applyScale share). */
export const AUTOSCALED = { NOT: { autoscale: { equals: Prisma.AnyNull } } } satisfies Prisma.FormationEntryWhereInput;

export interface AutoscaleView {
  type: string;
  quantity: number;
  policy: AutoscalePolicy | null;
}

export function policyOf(entry: Pick<FormationEntry, 'autoscale'>): AutoscalePolicy | null {
  return (entry.autoscale as AutoscalePolicy | null) ?? null;
}

/** "1-8 on p95 300 ms" */
export function describePolicy(p: AutoscalePolicy): string {
  const target = p.metric === 'p95' ? `p95 ${p.target} ms` : p.metric === 'rps' ? `${p.target} req/s per instance` : `CPU ${p.target}%`;
  return `${p.min}-${p.max} on ${target}`;
}

async function entryOf(ctx: Ctx, app: App, type: string): Promise<FormationEntry> {
  assertScalableType(type);
  const entry = await ctx.db.formationEntry.findUnique({ where: { appId_type: { appId: app.id, type } } });
  if (!entry) {
    const have = (await ctx.db.formationEntry.findMany({ where: { appId: app.id }, orderBy: { type: 'asc' } })).map((f) => f.type);
    throw new InvalidInput(`No process type ${type} in ${app.name}. Process types: ${have.join(', ') || 'none yet (push the app first)'}.`, { field: 'type' });
  }
  return entry;
}

export async function listAutoscale(ctx: Ctx, actor: Actor, appName: string): Promise<AutoscaleView[]> {
  const app = await appFor(ctx, actor, appName, 'read');
  const rows = await ctx.db.formationEntry.findMany({ where: { appId: app.id }, orderBy: { type: 'asc' } });
  return rows.map((r) => ({ type: r.type, quantity: r.quantity, policy: policyOf(r) }));
}

/** Sets (or replaces) a type's policy; its count moves into [min, max] at the autoscaler's next pass. */
export async function setAutoscale(ctx: Ctx, actor: Actor, appName: string, type: string, input: { min?: unknown; max?: unknown; metric?: unknown; target?: unknown }): Promise<AutoscaleView> {
  const app = await appFor(ctx, actor, appName, 'write');
  if (app.kind === 'addon') throw new Conflict(`${app.name} runs an add-on's server: it is not autoscaled.`);
  const entry = await entryOf(ctx, app, type);
  const policy = { min: input.min, max: input.max, metric: input.metric, target: input.target } as AutoscalePolicy;
  const problems = policyProblems(policy);
  if (problems.length) throw new InvalidInput(`Invalid autoscaling policy for ${type}: ${problems.join('; ')}.`, { field: 'policy' });
  if (policy.max > MAX_AUTOSCALE) throw new InvalidInput(`--max is at most ${MAX_AUTOSCALE}.`, { field: 'max' });
  if (policy.metric !== 'cpu' && !SERVING_TYPES.includes(type)) {
    throw new InvalidInput(`${type} serves no traffic, so it has no ${policy.metric === 'p95' ? 'response time' : 'request rate'} to follow: autoscale it on --cpu.`, { field: 'metric' });
  }
  const volume = await ctx.db.volume.findFirst({ where: { appId: app.id, processType: type, concurrent: false } });
  if (volume && policy.max > 1) throw new Conflict(`${type} mounts the volume ${volume.name}, which takes one writer: it runs one instance and cannot be autoscaled (mount it --concurrent if its instances can share the files).`);
  const row = await ctx.db.formationEntry.update({ where: { appId_type: { appId: app.id, type } }, data: { autoscale: policy as unknown as Prisma.InputJsonValue, setByUser: true } });
  await ctx.live?.wake(app.id, `autoscaling of ${type} set by ${actor.email}`);
  await audit(ctx, actor, app, 'autoscale.set', type, { ...policy, was: policyOf(entry) });
  return { type, quantity: row.quantity, policy };
}

export async function disableAutoscale(ctx: Ctx, actor: Actor, appName: string, type: string): Promise<AutoscaleView> {
  const app = await appFor(ctx, actor, appName, 'write');
  const entry = await entryOf(ctx, app, type);
  if (!policyOf(entry)) throw new Conflict(`${type} of ${app.name} is not autoscaled.`);
  const row = await ctx.db.formationEntry.update({ where: { appId_type: { appId: app.id, type } }, data: { autoscale: Prisma.DbNull } });
  await audit(ctx, actor, app, 'autoscale.disable', type, { was: policyOf(entry) });
  return { type, quantity: row.quantity, policy: null };
}

export async function autoscaleEvents(ctx: Ctx, actor: Actor, appName: string, limit = 50): Promise<AutoscaleEvent[]> {
  const app = await appFor(ctx, actor, appName, 'read');
  return ctx.db.autoscaleEvent.findMany({ where: { appId: app.id }, orderBy: { createdAt: 'desc' }, take: Math.min(Math.max(1, limit), 500) });
}

/** ps:scale of autoscaled types: refused, naming the policy and how to change it. */
export function refuseAutoscaled(entries: FormationEntry[], changedTypes: string[], app: string): void {
  const auto = entries.filter((e) => changedTypes.includes(e.type) && policyOf(e));
  if (!auto.length) return;
  const what = auto.map((e) => `${e.type} (${describePolicy(policyOf(e)!)})`).join(', ');
  throw new Conflict(
    `Autoscaling is on for ${what}: the autoscaler sets the count. Change its bounds with gantry autoscale ${auto[0]!.type} --min N --max N -a ${app}, or turn it off with gantry autoscale:disable ${auto[0]!.type} -a ${app}.`,
  );
}

export interface ScaleChange {
  appId: string;
  type: string;
  from: number;
  to: number;
  metric: AutoscaleMetric;
  observed: number | null;
  target: number;
  reason: string;
}

/**
 * The autoscaler's change: the type's count, only if it is still `from` and still autoscaled (a
 * user's change or a disable in between wins), an event row, and the scheduler woken. Returns
 * whether it applied.
 */
export async function applyScale(ctx: Ctx, c: ScaleChange): Promise<boolean> {
  const updated = await ctx.db.formationEntry.updateMany({ where: { appId: c.appId, type: c.type, quantity: c.from, sleepingSince: null, ...AUTOSCALED }, data: { quantity: c.to } });
  if (updated.count === 0) return false;
  await ctx.db.autoscaleEvent.create({ data: { appId: c.appId, type: c.type, from: c.from, to: c.to, metric: c.metric, observed: c.observed ?? 0, target: c.target, reason: c.reason } });
  await ctx.live?.wake(c.appId, `autoscaled ${c.type} ${c.from} -> ${c.to}`);
  return true;
}
