import { describe, expect, it } from 'vitest';
import type { Role } from '@gantry/db';
import { judgeMemberChange, teamNameProblem, type MemberChange } from './team-rules';

const change = (c: Partial<MemberChange>): MemberChange => ({ actorRole: 'owner', self: false, from: 'member', to: 'viewer', owners: 1, ...c });
const verdict = (c: Partial<MemberChange>) => {
  const v = judgeMemberChange(change(c));
  return v.ok ? 'ok' : v.reason;
};

describe('judgeMemberChange', () => {
  // [actor, from, to (null = remove), owners, expected]
  const table: [Role | undefined, Role | undefined, Role | null, number, string][] = [
    ['owner', 'member', 'admin', 1, 'ok'],
    ['owner', 'member', null, 1, 'ok'],
    ['owner', undefined, 'owner', 1, 'ok'], // owners invite owners
    ['owner', 'admin', 'owner', 1, 'ok'],
    ['owner', 'owner', 'admin', 2, 'ok'], // another owner remains
    ['owner', 'owner', null, 2, 'ok'],
    ['owner', 'owner', 'admin', 1, 'last_owner'],
    ['owner', 'owner', null, 1, 'last_owner'],
    ['admin', 'member', 'viewer', 1, 'ok'],
    ['admin', 'viewer', null, 1, 'ok'],
    ['admin', undefined, 'admin', 1, 'ok'],
    ['admin', undefined, 'owner', 1, 'forbidden'], // only owners make owners
    ['admin', 'member', 'owner', 1, 'forbidden'],
    ['admin', 'owner', 'member', 2, 'forbidden'], // nor unmake them
    ['admin', 'owner', null, 2, 'forbidden'],
    ['member', 'viewer', 'member', 1, 'forbidden'],
    ['member', undefined, 'viewer', 1, 'forbidden'],
    ['viewer', 'member', null, 1, 'forbidden'],
    [undefined, 'member', null, 1, 'forbidden'],
  ];
  it.each(table)('%s changing %s to %s with %d owner(s): %s', (actorRole, from, to, owners, expected) => {
    expect(verdict({ actorRole, from, to, owners })).toBe(expected);
  });

  it('lets anyone leave, except the last owner', () => {
    expect(verdict({ actorRole: 'viewer', self: true, from: 'viewer', to: null })).toBe('ok');
    expect(verdict({ actorRole: 'member', self: true, from: 'member', to: null })).toBe('ok');
    expect(verdict({ actorRole: 'owner', self: true, from: 'owner', to: null, owners: 1 })).toBe('last_owner');
    expect(verdict({ actorRole: 'owner', self: true, from: 'owner', to: null, owners: 2 })).toBe('ok');
  });

  it('does not let members promote themselves, nor admins make themselves owners', () => {
    expect(verdict({ actorRole: 'member', self: true, from: 'member', to: 'admin' })).toBe('forbidden');
    expect(verdict({ actorRole: 'admin', self: true, from: 'admin', to: 'owner' })).toBe('forbidden');
    expect(verdict({ actorRole: 'owner', self: true, from: 'owner', to: 'member', owners: 1 })).toBe('last_owner');
  });

  it('explains the last-owner refusal', () => {
    const v = judgeMemberChange(change({ from: 'owner', to: null, owners: 1 }));
    expect(v.ok ? '' : v.message).toMatch(/make someone else an owner/);
  });
});

describe('teamNameProblem', () => {
  it.each(['acme', 'a1', 'web-team', 'x'.repeat(40)])('accepts %s', (n) => expect(teamNameProblem(n)).toBeUndefined());
  it.each(['A', 'a', '1team', 'team-', 'te--am', 'x'.repeat(41), 'personal', 'personal-x', 'has space'])('refuses %s', (n) => expect(teamNameProblem(n)).toBeDefined());
});
