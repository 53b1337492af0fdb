/**
 * Pure rules of team membership: who may give, change or take away which role, and the
 * last-owner rule. The use cases (teams.ts, invitations.ts) load the facts and ask these.
 */
import type { Role } from '@gantry/db';
import { roleAllows } from './access';

export const ROLES: readonly Role[] = ['owner', 'admin', 'member', 'viewer'];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export interface MemberChange {
  /** The acting user's role in the team (undefined: not a member). */
  actorRole: Role | undefined;
  /** The actor changes their own membership. */
  self: boolean;
  /** The role before (undefined: someone joins, by invitation). */
  from: Role | undefined;
  /** The role after (null: the member is removed). */
  to: Role | null;
  /** Owners the team has now. */
  owners: number;
}

export type ChangeVerdict = { ok: true } | { ok: false; reason: 'forbidden' | 'last_owner'; message: string };

/**
 * Owners and admins manage members; only owners make or remove owners; anyone may leave; and a
 * team always keeps an owner (the last one can be neither removed nor demoted).
 */
export function judgeMemberChange(c: MemberChange): ChangeVerdict {
  const leaving = c.self && c.to === null;
  if (!leaving) {
    if (!roleAllows(c.actorRole, 'admin')) return { ok: false, reason: 'forbidden', message: 'Only owners and admins of the team manage its members.' };
    if ((c.from === 'owner' || c.to === 'owner') && c.actorRole !== 'owner') {
      return { ok: false, reason: 'forbidden', message: 'Only owners make or remove owners.' };
    }
  }
  if (c.from === 'owner' && c.to !== 'owner' && c.owners <= 1) {
    return { ok: false, reason: 'last_owner', message: 'A team needs an owner: make someone else an owner before removing or demoting the last one.' };
  }
  return { ok: true };
}

const TEAM_NAME = /^[a-z][a-z0-9-]{0,38}[a-z0-9]$/;

/** Team names: 2 to 40 lowercase letters, digits and dashes; "personal..." is reserved. */
export function teamNameProblem(name: string): string | undefined {
  if (!TEAM_NAME.test(name) || name.includes('--')) return 'must be 2 to 40 lowercase letters, digits and single dashes, starting with a letter';
  if (name.startsWith('personal')) return 'must not start with "personal" (reserved for personal teams)';
  return undefined;
}
