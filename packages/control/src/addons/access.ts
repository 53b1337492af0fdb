/**
 * Who may do what to an add-on: the roles of its team, as for apps (read: members and viewers;
 * write: attach, back up; admin: destroy). Unknown add-on: NotFound; another team's: Forbidden.
 */
import { Forbidden, NotFound } from '@gantry/core';
import type { Prisma } from '@gantry/db';
import { roleAllows, type Need } from '../access';
import type { Actor, Ctx } from '../context';

export const ADDON_INCLUDE = {
  team: { select: { name: true } },
  volume: true,
  attachments: { include: { app: { select: { name: true } } }, orderBy: { createdAt: 'asc' } },
} as const satisfies Prisma.AddonInclude;

export type AddonRow = Prisma.AddonGetPayload<{ include: typeof ADDON_INCLUDE }>;

export async function addonFor(ctx: Ctx, actor: Actor, name: string, need: Need): Promise<AddonRow> {
  const addon = await ctx.db.addon.findUnique({ where: { name }, include: ADDON_INCLUDE });
  if (!addon) throw new NotFound('Add-on', name);
  const membership = await ctx.db.membership.findUnique({ where: { teamId_userId: { teamId: addon.teamId, userId: actor.userId } } });
  if (!membership || !roleAllows(membership.role, need)) throw new Forbidden(`You do not have ${need} access to the add-on ${JSON.stringify(name)}.`);
  return addon;
}
