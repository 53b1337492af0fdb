import { describe, expect, it } from 'vitest';
import { CliError } from '../args';
import { checkEmail, checkRole, checkTeamName, detailsLine, parseExpiresIn } from './teams';

describe('teams command input', () => {
  it.each([
    ['30d', 30],
    ['30', 30],
    ['1 day', 1],
    ['2w', 14],
    ['3650d', 3650],
  ])('--expires-in %s is %d days', (input, days) => expect(parseExpiresIn(input)).toBe(days));

  it.each(['0d', '-1d', '3651d', '1h', 'soon', ''])('refuses --expires-in %s', (input) => expect(() => parseExpiresIn(input)).toThrow(CliError));

  it('checks roles, emails and team names before any request', () => {
    expect(checkRole('Viewer')).toBe('viewer');
    expect(() => checkRole('superuser')).toThrow(/owner, admin, member/);
    expect(checkEmail(' Bob@Example.com ')).toBe('bob@example.com');
    expect(() => checkEmail('bob')).toThrow(CliError);
    expect(checkTeamName('personal')).toBe('personal');
    expect(() => checkTeamName('Acme Corp')).toThrow(CliError);
  });

  it('prints audit details on one line, keys only', () => {
    expect(detailsLine({ set: ['A', 'B'], unset: [], release: 5 })).toBe('set=A,B release=5');
    expect(detailsLine({ changes: { web: { quantity: 2 } } })).toBe('changes={"web":{"quantity":2}}');
  });
});
