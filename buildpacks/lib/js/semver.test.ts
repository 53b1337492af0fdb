import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { compareVersions, isValidRange, maxSatisfying, parseVersion, satisfies } from './semver.mjs';

// A realistic slice of Node.js releases, deliberately unsorted (registries do not sort them).
const NODE = [
  '16.20.2', '18.0.0', '18.2.0', '18.2.1', '18.3.0', '18.20.8', '18.19.1', '20.0.0', '20.1.0',
  '20.9.0', '20.17.0', '20.20.2', '20.10.0', '21.7.3', '22.0.0', '22.9.0', '22.12.0', '22.23.3',
  '22.3.0', '23.11.1', '24.0.0', '24.21.0', '25.0.0-rc.1', '26.10.0', '0.10.48', '4.9.1',
];

describe('maxSatisfying (engines.node)', () => {
  it.each([
    ['22', '22.23.3'],
    ['22.x', '22.23.3'],
    ['22.X', '22.23.3'],
    ['22.*', '22.23.3'],
    ['v22', '22.23.3'],
    ['22.3', '22.3.0'],
    ['22.3.x', '22.3.0'],
    ['^20.1', '20.20.2'],
    ['^20.1.0', '20.20.2'],
    ['~18.2.0', '18.2.1'],
    ['~18.2', '18.2.1'],
    ['~>18.2', '18.2.1'],
    ['~18', '18.20.8'],
    ['>=18 <21', '20.20.2'],
    ['>= 18 < 21', '20.20.2'],
    ['>=18.0.0 <=20.9.0', '20.9.0'],
    ['>18 <20', null], // >18 means >=19.0.0
    ['>18.2 <19', '18.20.8'],
    ['>18.2', '26.10.0'],
    ['>20', '26.10.0'],
    ['<=20.1', '20.1.0'],
    ['<20', '18.20.8'],
    ['<18', '16.20.2'],
    ['20 || 22', '22.23.3'],
    ['18.x||20.x', '20.20.2'],
    ['^18.19 || ^20.17 || >=22.9 <23', '22.23.3'],
    ['22.12.0', '22.12.0'],
    ['=22.12.0', '22.12.0'],
    ['v22.12.0', '22.12.0'],
    ['18 - 20', '20.20.2'],
    ['18.2 - 20.9.0', '20.9.0'],
    ['18.2.0 - 20.9', '20.9.0'],
    ['*', '26.10.0'],
    ['x', '26.10.0'],
    ['', '26.10.0'],
    ['>=24', '26.10.0'],
    ['^25', null], // only a prerelease of 25 exists
    ['>=99', null],
    ['22.1.0', null],
    ['<0.10', null],
    ['>*', null],
    ['^0.10.0', '0.10.48'],
    ['^4', '4.9.1'],
  ])('%j -> %s', (range, expected) => {
    expect(maxSatisfying(NODE, range)).toBe(expected);
  });

  it('selects a prerelease only when the range names one of the same version', () => {
    expect(maxSatisfying(NODE, '>=25.0.0-rc.0 <25.0.1')).toBe('25.0.0-rc.1');
    expect(maxSatisfying(NODE, '25.0.0-rc.1')).toBe('25.0.0-rc.1');
    expect(maxSatisfying(NODE, '>=24.1 <26')).toBe('24.21.0');
  });

  it('ignores invalid versions in the list', () => {
    expect(maxSatisfying(['banana', '1.2', '22.1.0', '22.01.0'], '22')).toBe('22.1.0');
  });
});

describe('caret and tilde edge cases', () => {
  it.each([
    ['0.2.5', '^0.2.3', true],
    ['0.3.0', '^0.2.3', false],
    ['0.0.3', '^0.0.3', true],
    ['0.0.4', '^0.0.3', false],
    ['0.0.9', '^0.0', true],
    ['0.1.0', '^0.0', false],
    ['0.9.9', '^0.x', true],
    ['1.0.0', '^0.x', false],
    ['1.9.0', '^1.x', true],
    ['1.2.9', '~1.2.3', true],
    ['1.3.0', '~1.2.3', false],
    ['1.2.3-beta.4', '^1.2.3-beta.2', true],
    ['1.2.4-beta.4', '^1.2.3-beta.2', false],
    ['2.0.0-0', '<2', false],
    ['1.99.0', '<2', true],
  ])('%s satisfies %j: %s', (version, range, expected) => {
    expect(satisfies(version, range)).toBe(expected);
  });
});

describe('validation', () => {
  it.each(['lts', 'node 22', '>=', '~', '22.x.y', '1.2.3.4', '>> 1', '=> 18', 'latest', '22.01', '^'])(
    'rejects %j',
    (range) => {
      expect(isValidRange(range)).toBe(false);
      expect(() => maxSatisfying(['22.0.0'], range)).toThrow(RangeError);
    },
  );

  it('parses and orders versions like semver', () => {
    expect(parseVersion('v1.2.3-rc.1+build.5')).toEqual({ major: 1, minor: 2, patch: 3, pre: ['rc', 1] });
    expect(parseVersion('1.2')).toBeNull();
    const sorted = ['1.0.0', '1.0.0-rc.1', '1.0.0-beta.11', '1.0.0-beta.2', '1.0.0-beta', '1.0.0-alpha.beta', '1.0.0-alpha.1', '1.0.0-alpha', '0.9.9']
      .sort(compareVersions);
    expect(sorted).toEqual(['0.9.9', '1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0']);
  });
});

// When the repository's tooling happens to bundle npm's own semver, cross-check against it on
// many generated ranges. The buildpack itself must not depend on it (it runs before any install).
interface SemverOracle {
  maxSatisfying(versions: string[], range: string): string | null;
  validRange(range: string): string | null;
}
const oracle = ((): SemverOracle | null => {
  try {
    return createRequire(import.meta.url)('semver') as SemverOracle;
  } catch {
    return null;
  }
})();

describe.skipIf(!oracle)('agrees with node-semver', () => {
  const versions: string[] = [];
  for (const major of [0, 1, 2, 18, 20, 22])
    for (const minor of [0, 1, 2, 10])
      for (const patch of [0, 1, 3]) versions.push(`${major}.${minor}.${patch}`);
  versions.push('1.2.3-beta.1', '20.1.0-rc.1', '22.0.0-0');

  const partials = ['0', '1', '1.2', '1.2.3', '0.1', '0.0.1', '20', '20.1', '20.1.1', '22.x', '*', '1.2.3-beta.0', '20.1.0-rc.0'];
  const ops = ['', '=', '<', '<=', '>', '>=', '~', '^'];
  const ranges: string[] = [];
  for (const op of ops) for (const p of partials) ranges.push(`${op}${p}`);
  for (const a of partials.slice(0, 8)) for (const b of partials.slice(4, 11)) ranges.push(`${a} - ${b}`, `>=${a} <${b}`, `^${a} || ~${b}`);

  it('on generated ranges', () => {
    const disagreements = ranges
      .filter((range) => oracle!.validRange(range) !== null)
      .map((range) => ({ range, ours: maxSatisfying(versions, range), theirs: oracle!.maxSatisfying(versions, range) }))
      .filter((r) => r.ours !== r.theirs);
    expect(disagreements).toEqual([]);
    // And per version, not just the maximum.
    for (const range of ranges.filter((r) => oracle!.validRange(r) !== null)) {
      for (const v of versions) {
        expect([range, v, satisfies(v, range)]).toEqual([range, v, oracle!.maxSatisfying([v], range) === v]);
      }
    }
  });
});
