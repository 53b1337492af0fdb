/**
 * Teams and their members. Access is checked on every request from Membership (access.ts), so
 * removing a member or lowering a role takes effect at once for the API, git and log tails.
 */
import { Conflict, Forbidden, InvalidInput, NameTaken, NotFound } from '@gantry/core';
import { Prisma, type Role } from '@gantry/db';
import { teamFor } from './access';
import { audit } from './audit';
import type { Actor, Ctx } from './context';
import { isRole, judgeMemberChange, teamNameProblem } from './team-rules';

type Tx = Prisma.TransactionClient;

/** The teams the actor belongs to, with their role, personal team first. */
export async function listTeams(ctx: Ctx, actor: Actor) {
  const memberships = await ctx.db.membership.findMany({
    where: { userId: actor.userId },
    include: { team: { include: { _count: { select: { memberships: true, apps: true } } } } },
  });
  return memberships
    .map((m) => ({ team: m.team, role: m.role, members: m.team._count.memberships, apps: m.team._count.apps }))
    .sort((a, b) => Number(b.team.personal) - Number(a.team.personal) || a.team.name.localeCompare(b.team.name));
}

/** A new team; its creator is its owner. */
export async function createTeam(ctx: Ctx, actor: Actor, input: { name: string }) {
  const name = input.name.trim();
  const problem = teamNameProblem(name);
  if (problem) throw new InvalidInput(`Team name ${JSON.stringify(name)} ${problem}.`);
  try {
    const team = await ctx.db.$transaction(async (tx) => {
      const t = await tx.team.create({ data: { name } });
      await tx.membership.create({ data: { teamId: t.id, userId: actor.userId, role: 'owner' } });
      return t;
    });
    await audit(ctx, actor, { teamId: team.id }, 'team.create', name);
    return team;
  } catch (err) {
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') throw new NameTaken(name);
    throw err;
  }
}

/** Members of a team (any member may see who else is in it). */
export async function listMembers(ctx: Ctx, actor: Actor, teamName: string) {
  const { team } = await teamFor(ctx, actor, teamName, 'read');
  const members = await ctx.db.membership.findMany({ where: { teamId: team.id }, include: { user: true }, orderBy: { createdAt: 'asc' } });
  return { team, members };
}

/** Serialises membership changes of a team, so two owners cannot demote each other to none. */
async function lockTeam(tx: Tx, teamId: string): Promise<void> {
  await tx.$queryRaw`SELECT id FROM "Team" WHERE id = ${teamId}::uuid FOR UPDATE`;
}

async function changeMember(ctx: Ctx, actor: Actor, teamName: string, email: string, to: Role | null) {
  const { team } = await teamFor(ctx, actor, teamName, 'read');
  const address = email.trim().toLowerCase();
  const user = await ctx.db.user.findUnique({ where: { email: address } });
  const result = await ctx.db.$transaction(async (tx) => {
    await lockTeam(tx, team.id);
    const mine = await tx.membership.findUnique({ where: { teamId_userId: { teamId: team.id, userId: actor.userId } } });
    const theirs = user ? await tx.membership.findUnique({ where: { teamId_userId: { teamId: team.id, userId: user.id } } }) : null;
    if (!theirs) {
      if (!mine || (mine.role !== 'owner' && mine.role !== 'admin')) throw new Forbidden('Only owners and admins of the team manage its members.');
      throw new NotFound('Member', address);
    }
    const owners = await tx.membership.count({ where: { teamId: team.id, role: 'owner' } });
    const verdict = judgeMemberChange({ actorRole: mine?.role, self: theirs.userId === actor.userId, from: theirs.role, to, owners });
    if (!verdict.ok) throw verdict.reason === 'forbidden' ? new Forbidden(verdict.message) : new Conflict(verdict.message);
    if (to === null) await tx.membership.delete({ where: { teamId_userId: { teamId: team.id, userId: theirs.userId } } });
    else await tx.membership.update({ where: { teamId_userId: { teamId: team.id, userId: theirs.userId } }, data: { role: to } });
    return { from: theirs.role };
  });
  return { team, email: address, ...result };
}

/** members:set EMAIL --role R. */
export async function setMemberRole(ctx: Ctx, actor: Actor, teamName: string, email: string, role: unknown) {
  if (!isRole(role)) throw new InvalidInput('"role" must be owner, admin, member or viewer.');
  const out = await changeMember(ctx, actor, teamName, email, role);
  await audit(ctx, actor, { teamId: out.team.id }, 'member.role', out.email, { from: out.from, to: role });
  return { ...out, role };
}

/** members:remove EMAIL: their access to the team's apps ends with this call. */
export async function removeMember(ctx: Ctx, actor: Actor, teamName: string, email: string) {
  const out = await changeMember(ctx, actor, teamName, email, null);
  await audit(ctx, actor, { teamId: out.team.id }, 'member.remove', out.email, { role: out.from });
  return out;
}
