/**
 * Invitations: a one-time link `/invitations/<token>` to join a team with a role. Only the
 * token's SHA-256 is stored (like API tokens); it expires after 7 days and works once. An
 * invitation made for an email may only be accepted by the user with that email.
 */
import { Conflict, Forbidden, InvalidInput, NotFound, generateToken, hashToken, looksLikeToken } from '@gantry/core';
import { teamFor } from './access';
import { audit } from './audit';
import type { Actor, Ctx } from './context';
import { now } from './context';
import { isRole, judgeMemberChange } from './team-rules';

export const INVITATION_TTL_MS = 7 * 24 * 3600 * 1000;
const EMAIL = /^[^\s@]+@[^\s@]+$/;

/** The path of an invitation's link (the dashboard and the API's accept route use it). */
export const invitationPath = (token: string) => `/invitations/${token}`;

export async function createInvitation(ctx: Ctx, actor: Actor, teamName: string, input: { email?: unknown; role: unknown }) {
  if (!isRole(input.role)) throw new InvalidInput('"role" must be owner, admin, member or viewer.');
  let email: string | null = null;
  if (input.email !== undefined && input.email !== null) {
    if (typeof input.email !== 'string' || !EMAIL.test(input.email.trim()) || input.email.length > 200) throw new InvalidInput('"email" must be an email address.');
    email = input.email.trim().toLowerCase();
  }
  const { team, role: myRole } = await teamFor(ctx, actor, teamName, 'admin');
  const verdict = judgeMemberChange({ actorRole: myRole, self: false, from: undefined, to: input.role, owners: 1 });
  if (!verdict.ok) throw new Forbidden(verdict.message);
  if (email) {
    const existing = await ctx.db.membership.findFirst({ where: { teamId: team.id, user: { email } } });
    if (existing) throw new Conflict(`${email} is already a member of ${team.name} (${existing.role}).`);
  }
  const token = generateToken();
  const invitation = await ctx.db.invitation.create({
    data: { teamId: team.id, email, role: input.role, tokenHash: hashToken(token), createdById: actor.userId, expiresAt: new Date(now(ctx).getTime() + INVITATION_TTL_MS) },
  });
  await audit(ctx, actor, { teamId: team.id }, 'invitation.create', email ?? '(link)', { role: input.role, invitationId: invitation.id });
  return { team, invitation, token, path: invitationPath(token) };
}

/** Open invitations of a team (not accepted, not expired), for owners and admins. */
export async function listInvitations(ctx: Ctx, actor: Actor, teamName: string) {
  const { team } = await teamFor(ctx, actor, teamName, 'admin');
  const invitations = await ctx.db.invitation.findMany({
    where: { teamId: team.id, acceptedAt: null, expiresAt: { gt: now(ctx) } },
    orderBy: { createdAt: 'desc' },
  });
  return { team, invitations };
}

export async function revokeInvitation(ctx: Ctx, actor: Actor, teamName: string, id: string) {
  const { team } = await teamFor(ctx, actor, teamName, 'admin');
  const invitation = /^[0-9a-f-]{36}$/.test(id) ? await ctx.db.invitation.findFirst({ where: { id, teamId: team.id, acceptedAt: null } }) : null;
  if (!invitation) throw new NotFound('Invitation', id);
  await ctx.db.invitation.delete({ where: { id: invitation.id } });
  await audit(ctx, actor, { teamId: team.id }, 'invitation.revoke', invitation.email ?? '(link)', { role: invitation.role, invitationId: invitation.id });
  return invitation;
}

/**
 * An open invitation by its link's token, and why this caller cannot accept it (expired, for
 * another email, already a member), if so. Spent and unknown links are not found.
 */
async function openInvitation(ctx: Ctx, actor: Actor, token: string) {
  if (!looksLikeToken(token)) throw new NotFound('Invitation', 'link');
  const invitation = await ctx.db.invitation.findUnique({ where: { tokenHash: hashToken(token) }, include: { team: true } });
  if (!invitation || invitation.acceptedAt) throw new NotFound('Invitation', 'link');
  let problem: Forbidden | Conflict | null = null;
  if (invitation.expiresAt <= now(ctx)) problem = new Forbidden('This invitation has expired: ask for a new one.');
  else if (invitation.email && invitation.email !== actor.email.toLowerCase()) problem = new Forbidden(`This invitation is for ${invitation.email}; log in as that user to accept it.`);
  else {
    const already = await ctx.db.membership.findUnique({ where: { teamId_userId: { teamId: invitation.teamId, userId: actor.userId } } });
    if (already) problem = new Conflict(`You are already a member of ${invitation.team.name} (${already.role}).`);
  }
  return { invitation, problem };
}

/** What an invitation link offers, for its holder to read before accepting, and why they can't. */
export async function invitationByToken(ctx: Ctx, actor: Actor, token: string) {
  const { invitation, problem } = await openInvitation(ctx, actor, token);
  return { invitation, team: invitation.team, problem: problem?.message ?? null };
}

/** The logged-in user joins the team with the invitation's role; the link is then spent. */
export async function acceptInvitation(ctx: Ctx, actor: Actor, token: string) {
  const { invitation, problem } = await openInvitation(ctx, actor, token);
  if (problem) throw problem;
  const gone = new NotFound('Invitation', 'link');
  await ctx.db.$transaction(async (tx) => {
    // Spent once: a second accept of the same link finds it taken.
    const spent = await tx.invitation.updateMany({ where: { id: invitation.id, acceptedAt: null }, data: { acceptedAt: now(ctx), acceptedBy: actor.userId } });
    if (spent.count === 0) throw gone;
    await tx.membership.create({ data: { teamId: invitation.teamId, userId: actor.userId, role: invitation.role } });
  });
  await audit(ctx, actor, { teamId: invitation.teamId }, 'member.add', actor.email, { role: invitation.role, invitationId: invitation.id });
  return { team: invitation.team, role: invitation.role };
}
