/** Teams, members and invitations: /teams, /teams/:team/members, /teams/:team/invitations, /invitations/:token/accept. */
import type { InvitationOfferView, InvitationView, MemberView, NewInvitationView, TeamView } from '@gantry/api-client';
import { InvalidInput } from '@gantry/core';
import { acceptInvitation, createInvitation, invitationByToken, createTeam, listInvitations, listMembers, listTeams, removeMember, revokeInvitation, setMemberRole } from '@gantry/control';
import type { Invitation, Membership, Role, Team, User } from '@gantry/db';
import type { Router } from '../../http/router';
import { readJson } from '../../http/body';
import { sendJson } from '../../http/respond';
import { actorFor } from '../auth';
import type { ApiDeps } from '../deps';

export function teamView(t: Team, role: Role, counts: { members: number; apps: number }): TeamView {
  return { id: t.id, name: t.name, personal: t.personal, role, members: counts.members, apps: counts.apps, createdAt: t.createdAt.toISOString() };
}

export function memberView(m: Membership & { user: Pick<User, 'email' | 'name'> }): MemberView {
  return { email: m.user.email, name: m.user.name, role: m.role, since: m.createdAt.toISOString() };
}

export function invitationView(i: Invitation, team: string): InvitationView {
  return { id: i.id, team, email: i.email, role: i.role, createdAt: i.createdAt.toISOString(), expiresAt: i.expiresAt.toISOString() };
}

export function teamRoutes(r: Router<ApiDeps>): void {
  r.add('GET', '/teams', async (deps, { req, res }) => {
    const actor = await actorFor(deps, req);
    sendJson(res, 200, (await listTeams(deps.ctx, actor)).map((t) => teamView(t.team, t.role, t)));
  });

  /** Body: { name }. The caller becomes the team's owner. */
  r.add('POST', '/teams', async (deps, { req, res }) => {
    const actor = await actorFor(deps, req);
    const body = await readJson(req, deps.config.GANTRY_MAX_API_BODY);
    if (typeof body.name !== 'string') throw new InvalidInput('Send { "name": "team-name" }.');
    const team = await createTeam(deps.ctx, actor, { name: body.name });
    sendJson(res, 201, teamView(team, 'owner', { members: 1, apps: 0 }));
  });

  r.add('GET', '/teams/:team/members', async (deps, { req, res, params }) => {
    const actor = await actorFor(deps, req);
    const { members } = await listMembers(deps.ctx, actor, params.team!);
    sendJson(res, 200, members.map(memberView));
  });

  /** Body: { role }. Owners and admins; only owners make or unmake owners; the last owner stays. */
  r.add('PATCH', '/teams/:team/members/:email', async (deps, { req, res, params }) => {
    const actor = await actorFor(deps, req);
    const body = await readJson(req, deps.config.GANTRY_MAX_API_BODY);
    const out = await setMemberRole(deps.ctx, actor, params.team!, params.email!, body.role);
    const m = await deps.ctx.db.membership.findFirstOrThrow({ where: { teamId: out.team.id, user: { email: out.email } }, include: { user: true } });
    sendJson(res, 200, memberView(m));
  });

  /** Removes a member (or lets a member leave): their access to the team's apps ends now. */
  r.add('DELETE', '/teams/:team/members/:email', async (deps, { req, res, params }) => {
    const actor = await actorFor(deps, req);
    await removeMember(deps.ctx, actor, params.team!, params.email!);
    res.writeHead(204).end();
  });

  /** Body: { role, email? }. Answers the one-time link (7 days). */
  r.add('POST', '/teams/:team/invitations', async (deps, { req, res, params }) => {
    const actor = await actorFor(deps, req);
    const body = await readJson(req, deps.config.GANTRY_MAX_API_BODY);
    const out = await createInvitation(deps.ctx, actor, params.team!, { role: body.role, email: body.email });
    const view: NewInvitationView = { ...invitationView(out.invitation, out.team.name), token: out.token, path: out.path, url: deps.config.urls.api + out.path };
    sendJson(res, 201, view);
  });

  r.add('GET', '/teams/:team/invitations', async (deps, { req, res, params }) => {
    const actor = await actorFor(deps, req);
    const { team, invitations } = await listInvitations(deps.ctx, actor, params.team!);
    sendJson(res, 200, invitations.map((i) => invitationView(i, team.name)));
  });

  r.add('DELETE', '/teams/:team/invitations/:id', async (deps, { req, res, params }) => {
    const actor = await actorFor(deps, req);
    await revokeInvitation(deps.ctx, actor, params.team!, params.id!);
    res.writeHead(204).end();
  });

  /** What the link offers the logged-in caller (read before accepting); spent links: 404. */
  r.add('GET', '/invitations/:token', async (deps, { req, res, params }) => {
    const actor = await actorFor(deps, req);
    const { invitation, team, problem } = await invitationByToken(deps.ctx, actor, params.token!);
    const view: InvitationOfferView = { ...invitationView(invitation, team.name), canAccept: problem === null, problem };
    sendJson(res, 200, view);
  });

  /** The logged-in caller joins the invitation's team with its role. */
  r.add('POST', '/invitations/:token/accept', async (deps, { req, res, params }) => {
    const actor = await actorFor(deps, req);
    const { team, role } = await acceptInvitation(deps.ctx, actor, params.token!);
    sendJson(res, 200, { team: team.name, role });
  });
}
