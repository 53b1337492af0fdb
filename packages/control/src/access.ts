import { Forbidden, NotFound } from '@gantry/core';
import type { App, Role, Team } from '@gantry/db';
import type { Actor, Ctx } from './context';

/** What an action needs: reading (viewer), changing (member) or administering (admin). */
export type Need = 'read' | 'write' | 'admin';

const GRANTS: Record<Role, readonly Need[]> = {
  owner: ['read', 'write', 'admin'],
  admin: ['read', 'write', 'admin'],
  member: ['read', 'write'],
  viewer: ['read'],
};

export function roleAllows(role: Role | undefined, need: Need): boolean {
  return role !== undefined && GRANTS[role].includes(need);
}

/**
 * Loads an app by name and checks the actor's team role allows `need`. Unknown app: NotFound.
 * Known app of a team the actor is not in (or whose role is too weak): Forbidden.
 */
export async function appFor(ctx: Ctx, actor: Actor, name: string, need: Need): Promise<App> {
  return (await appWithRole(ctx, actor, name, need)).app;
}

/** appFor, with the actor's role on the app's team (for finer checks than `need`). */
export async function appWithRole(ctx: Ctx, actor: Actor, name: string, need: Need): Promise<{ app: App; role: Role }> {
  const app = await ctx.db.app.findUnique({ where: { name } });
  if (!app) throw new NotFound('App', name);
  const membership = await ctx.db.membership.findUnique({
    where: { teamId_userId: { teamId: app.teamId, userId: actor.userId } },
  });
  if (!membership || !roleAllows(membership.role, need)) {
    throw new Forbidden(`You do not have ${need} access to the app ${JSON.stringify(name)}.`);
  }
  return { app, role: membership.role };
}

/**
 * An app whose placement the actor may see: read access to it, or a Gantry admin (who runs the
 * hosts and sees every instance in the cluster view, whatever its team).
 */
export async function appForPlacement(ctx: Ctx, actor: Actor, name: string): Promise<App> {
  if (!actor.isAdmin) return appFor(ctx, actor, name, 'read');
  const app = await ctx.db.app.findUnique({ where: { name } });
  if (!app) throw new NotFound('App', name);
  return app;
}

/** `personal` names the actor's own personal team. */
export const PERSONAL_TEAM = 'personal';

/**
 * Loads a team by name (or the actor's personal team for "personal") with the actor's membership,
 * and checks their role allows `need`. Unknown team: NotFound; not a member or too weak: Forbidden.
 */
export async function teamFor(ctx: Ctx, actor: Actor, name: string, need: Need): Promise<{ team: Team; role: Role }> {
  const team =
    name === PERSONAL_TEAM
      ? await ctx.db.team.findFirst({ where: { personal: true, memberships: { some: { userId: actor.userId, role: 'owner' } } } })
      : await ctx.db.team.findUnique({ where: { name } });
  if (!team) throw new NotFound('Team', name);
  const membership = await ctx.db.membership.findUnique({ where: { teamId_userId: { teamId: team.id, userId: actor.userId } } });
  if (!membership) throw new Forbidden(`You are not a member of the team ${JSON.stringify(name)}.`);
  if (!roleAllows(membership.role, need)) {
    throw new Forbidden(`Your role in ${name} (${membership.role}) does not allow this: it needs ${need === 'admin' ? 'an owner or admin' : need === 'write' ? 'a member, admin or owner' : 'any role'}.`);
  }
  return { team, role: membership.role };
}
