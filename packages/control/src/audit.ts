/**
 * The audit log: who did what in a team (deploys, scaling, config changes with keys but never
 * values, domains, certificates, drains, members, invitations). Use cases record with one line,
 * `await audit(ctx, actor, app, 'config.set', app.name, { keys })`; owners and admins read it.
 */
import { InvalidInput } from '@gantry/core';
import type { Prisma } from '@gantry/db';
import type { Actor, Ctx } from './context';
import { teamFor } from './access';

/** Where an event happened: an app (its id and team) or a team alone. */
export type AuditScope = { id: string; teamId: string } | { teamId: string; id?: undefined };

/** Who did it: a user, or the platform itself (null). */
export type AuditActor = Pick<Actor, 'userId' | 'email'> | { userId: string | null; email: string | null } | null;

export async function audit(ctx: Ctx, actor: AuditActor, scope: AuditScope, action: string, target: string, details: Record<string, unknown> = {}): Promise<void> {
  await ctx.db.auditEvent.create({
    data: {
      teamId: scope.teamId,
      appId: scope.id ?? null,
      actorUserId: actor?.userId ?? null,
      actorEmail: actor?.email ?? null,
      action,
      target: target.slice(0, 300),
      details: details as Prisma.InputJsonValue,
    },
  });
}

/** The same, for an app known by id only (releases made by the builder). */
export async function auditApp(ctx: Ctx, actor: AuditActor, appId: string, action: string, target: string, details: Record<string, unknown> = {}): Promise<void> {
  const app = await ctx.db.app.findUnique({ where: { id: appId }, select: { id: true, teamId: true } });
  if (app) await audit(ctx, actor, app, action, target, details);
}

export const MAX_AUDIT_EVENTS = 500;

/** The newest events of a team, for its owners and admins. */
export async function listAudit(ctx: Ctx, actor: Actor, teamName: string, limit = 100) {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_AUDIT_EVENTS) throw new InvalidInput(`"limit" must be 1 to ${MAX_AUDIT_EVENTS}.`);
  const { team } = await teamFor(ctx, actor, teamName, 'admin');
  const events = await ctx.db.auditEvent.findMany({ where: { teamId: team.id }, orderBy: { createdAt: 'desc' }, take: limit });
  return { team, events };
}
