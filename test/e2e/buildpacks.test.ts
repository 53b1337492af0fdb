/**
 * The buildpack API as Heroku runs it, against the Gantry under test with real git, Docker,
 * Redis and Postgres. Fixture buildpacks are served by a real smart-HTTP git server on
 * 127.0.0.1 (git http-backend), which an admin allows first (egress policy):
 *
 *   - two buildpacks in order (app.json "buildpacks", then `gantry buildpacks:add`): the first
 *     installs a tool and writes `export`, the second compiles with it; default process types
 *     merge, the later buildpack wins; the stored list wins over app.json until cleared;
 *   - Gantry's nodejs buildpack then one that runs node in its compile (nodejs's `export`);
 *   - a third-party-style buildpack from a `.buildpacks` file: scripts committed without the
 *     executable bit (git mode 100644), one without a shebang, no bin/release; bin/compile runs in
 *     the buildpack's directory and reads ENV_DIR;
 *   - .profile.d scripts sourced in byte order (10-x, B, a, b) in a web process and a one-off;
 */
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '@gantry/api-client';
import { gitHttpBackend } from '../helpers/git-http';
import { cliUser, gantryCli, type CliUser } from './helpers/cli';
import { allowLoopbackCollectors, setEgressAllow } from './helpers/egress';
import { uniqueName } from './helpers/gantry';
import { FIXTURES, commitAll, git, push, repoFromFixture, writeAndCommit } from './helpers/git';
import { appGet } from './helpers/http';

const BUILDPACKS = ['buildpack-tool', 'buildpack-uses-tool', 'buildpack-loose', 'buildpack-uses-node'];

let work: string;
let server: http.Server;
let host = '';
let owner: CliUser;
const url = (name: string) => `http://${host}/${name}.git`;
const cli = (args: string[]) => gantryCli(owner.home, args);

/** A fixture directory as a bare repository under `root`, its file modes as committed. */
function serveFixture(root: string, name: string): string {
  const src = join(work, 'src', name);
  cpSync(join(FIXTURES, name), src, { recursive: true });
  const env = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' };
  const g = (...args: string[]) => execFileSync('git', args, { cwd: src, env }).toString();
  g('init', '-q', '-b', 'main');
  g('add', '-A');
  g('commit', '-qm', name);
  execFileSync('git', ['clone', '-q', '--bare', src, join(root, `${name}.git`)], { env });
  return g('ls-files', '-s');
}

/** A fixture app repository with __BUILDPACKS__ in `file` pointing at this test's git server. */
async function appRepo(fixture: string, file: string): Promise<string> {
  const dir = await repoFromFixture(fixture);
  const path = join(dir, file);
  writeFileSync(path, readFileSync(path, 'utf8').replaceAll('__BUILDPACKS__', host));
  await commitAll(dir, `point ${file} at the test's buildpacks`);
  return dir;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'gantry-e2e-buildpacks-'));
  const root = join(work, 'repos');
  const modes = Object.fromEntries(BUILDPACKS.map((b) => [b, serveFixture(root, b)]));
  // The third-party-style buildpack really is committed without the executable bit, and without bin/release.
  expect(modes['buildpack-loose']).toMatch(/^100644 \S+ 0\tbin\/compile$/m);
  expect(modes['buildpack-loose']).toMatch(/^100644 \S+ 0\tbin\/detect$/m);
  expect(modes['buildpack-loose']).not.toContain('bin/release');
  expect(modes['buildpack-tool']).toMatch(/^100755 \S+ 0\tbin\/compile$/m);
  server = http.createServer(gitHttpBackend(root));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  await allowLoopbackCollectors();
  owner = await cliUser('bp-owner');
});

afterAll(async () => {
  // Apps left running would move onto the lab hosts of later files when they drain `local`.
  for (const a of owner ? await owner.user.client.apps().catch(() => []) : []) await owner.user.client.destroyApp(a.name).catch(() => {});
  await setEgressAllow('').catch(() => {});
  server?.closeAllConnections();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  rmSync(work, { recursive: true, force: true });
  if (owner) rmSync(owner.home, { recursive: true, force: true });
});

describe('buildpacks', () => {
  it('runs two buildpacks from app.json in order, the second compiling with what the first exported', async () => {
    const app = uniqueName('bp-multi');
    await owner.user.client.createApp(app);
    const repo = await appRepo('multi-buildpack-app', 'app.json');

    const pushed = await push(repo, app, owner.user.token);
    expect(pushed.code, pushed.output).toBe(0);
    const out = pushed.output;
    const order = [
      `-----> Running buildpack 1 of 2: ${url('buildpack-tool')}`,
      '-----> Greet tool app detected',
      '-----> Installing greet 1.2.3',
      `-----> Running buildpack 2 of 2: ${url('buildpack-uses-tool')}`,
      '-----> Uses greet app detected',
      'greet: compiled with tool 1.2.3',
    ].map((l) => out.indexOf(l));
    expect(order.every((i) => i >= 0), out).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    // Default process types merge; the later buildpack's web wins.
    expect(out).toContain("Process types: web (PAGE_CMD='cat page.txt; greet at runtime' perl server.pl), tool (greet from the tool process)");
    // At runtime the tool is on PATH through its .profile.d script.
    expect((await appGet(app)).body).toBe('greet: compiled with tool 1.2.3\ngreet: at runtime\n');

    // The app's own list wins over app.json: the second buildpack alone cannot compile.
    const set = await cli(['buildpacks:set', url('buildpack-uses-tool'), '-a', app]);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stderr + set.stdout).toContain(`Buildpack set. Next release on ${app} will use ${url('buildpack-uses-tool')}.`);
    await writeAndCommit(repo, 'CHANGES', 'second\n');
    const alone = await push(repo, app, owner.user.token);
    expect(alone.code).not.toBe(0);
    expect(alone.output).toContain(`-----> Using buildpack: ${url('buildpack-uses-tool')}`);
    expect(alone.output).toContain('greet is not on PATH: the export of the buildpack before this one was not sourced');
    expect(alone.output).toContain('The buildpack-uses-tool buildpack failed to compile the app (exit code 3).');
    expect((await appGet(app)).body).toContain('greet: compiled with tool 1.2.3'); // v1 still serves

    // Cleared: app.json again.
    const cleared = await cli(['buildpacks:clear', '-a', app]);
    expect(cleared.code, cleared.stderr).toBe(0);
    expect(cleared.stderr + cleared.stdout).toContain(`Buildpacks cleared. Next release on ${app} will detect the buildpack normally`);
    await writeAndCommit(repo, 'CHANGES', 'third\n');
    const again = await push(repo, app, owner.user.token);
    expect(again.code, again.output).toBe(0);
    expect(again.output).toContain(`-----> Running buildpack 2 of 2: ${url('buildpack-uses-tool')}`);
  });

  it('takes the list from buildpacks:add (with --index), lists it numbered, and refuses bad entries', async () => {
    const app = uniqueName('bp-add');
    await owner.user.client.createApp(app);
    const empty = await cli(['buildpacks', '-a', app]);
    expect(empty.stderr + empty.stdout).toContain(`${app} has no buildpacks set`);

    const second = await cli(['buildpacks:add', url('buildpack-uses-tool'), '-a', app]);
    expect(second.code, second.stderr).toBe(0);
    const first = await cli(['buildpacks:add', url('buildpack-tool'), '--index', '1', '-a', app]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr + first.stdout).toContain(`Buildpack added. Next release on ${app} will use:\n  1. ${url('buildpack-tool')}\n  2. ${url('buildpack-uses-tool')}`);
    const listed = await cli(['buildpacks', '-a', app]);
    expect(listed.stdout).toBe(`=== ${app} Buildpack URLs\n1. ${url('buildpack-tool')}\n2. ${url('buildpack-uses-tool')}\n`);

    const dup = await cli(['buildpacks:add', url('buildpack-tool'), '-a', app]);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toContain(`The buildpack ${url('buildpack-tool')} is already set on the app.`);
    const bad = await cli(['buildpacks:add', 'git@example.com:x/y.git', '-a', app]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('"git@example.com:x/y.git" is neither a built-in buildpack name');
    const range = await cli(['buildpacks:remove', '--index', '3', '-a', app]);
    expect(range.code).toBe(1);
    expect(range.stderr).toContain('Index 3 is out of range: use 1 to 2.');
    // The API says the same to any client, with the error's stable id.
    const err = (await owner.user.client.editBuildpacks(app, { action: 'add', url: 'ftp://x/y' }).catch((e: unknown) => e)) as ApiError;
    expect(err).toMatchObject({ status: 422, id: 'invalid_input' });
    expect(await owner.user.client.buildpacks(app)).toEqual({ app, buildpacks: [url('buildpack-tool'), url('buildpack-uses-tool')] });

    // No app.json in this repository: the stored list alone makes the build.
    const repo = await repoFromFixture('multi-buildpack-app');
    await git(repo, ['rm', '-q', 'app.json']);
    await commitAll(repo, 'no app.json');
    const pushed = await push(repo, app, owner.user.token);
    expect(pushed.code, pushed.output).toBe(0);
    expect(pushed.output).toContain(`-----> Running buildpack 1 of 2: ${url('buildpack-tool')}`);
    expect((await appGet(app)).body).toBe('greet: compiled with tool 1.2.3\ngreet: at runtime\n');
  });

  it('lets a buildpack after the built-in nodejs one run node, through its export', async () => {
    const app = uniqueName('bp-node');
    await owner.user.client.createApp(app);
    const pushed = await push(await appRepo('node-then-custom-app', '.buildpacks'), app, owner.user.token);
    expect(pushed.code, pushed.output).toBe(0);
    expect(pushed.output).toContain('-----> Running buildpack 1 of 2: heroku/nodejs');
    expect(pushed.output).toContain('-----> Node.js app detected');
    expect(pushed.output).toContain(`-----> Running buildpack 2 of 2: ${url('buildpack-uses-node')}`);
    expect(pushed.output).toMatch(/compiled with node v22\.\d+\.\d+ from \/app\/\.heroku\/node\s/);
    // Default process types from nodejs (the second buildpack has no bin/release).
    expect(pushed.output).toContain('Process types: web (npm start)');
    expect((await appGet(app)).body).toMatch(/^compiled with node v22\.\d+\.\d+ from \/app\/\.heroku\/node\n$/);
  });

  it('runs a .buildpacks buildpack whose scripts are not executable and that has no bin/release, in its own directory with ENV_DIR', async () => {
    const app = uniqueName('bp-loose');
    await owner.user.client.createApp(app);
    await owner.user.client.setConfig(app, { LOOSE_GREETING: 'hello-from-env-dir' });
    const repo = await appRepo('loose-buildpack-app', '.buildpacks');

    const pushed = await push(repo, app, owner.user.token);
    expect(pushed.code, pushed.output).toBe(0);
    const out = pushed.output;
    expect(out).toContain(`-----> Using buildpack: ${url('buildpack-loose')}`);
    expect(out).toContain('-----> Loose app detected'); // bin/detect: mode 100644, no shebang
    expect(out).toContain('-----> Loose buildpack: working directory: own');
    expect(out).toContain('helper from the working directory: found lib/helper.txt');
    expect(out).toMatch(/ENV_DIR files: .*\bLOOSE_GREETING\b/);
    expect(out).toContain('CACHE_DIR exists: yes');
    expect(out).not.toContain('exit code 126');
    // No bin/release: the Procfile alone gives the process types.
    expect(out).toContain("Process types: web (PAGE_CMD='cat page.txt' perl server.pl)");
    expect((await appGet(app)).body).toBe('loose buildpack: cwd=own greeting=hello-from-env-dir\n');
  });

  it('sources .profile.d scripts in byte order in web processes and one-offs', async () => {
    const app = uniqueName('bp-profile');
    await owner.user.client.createApp(app);
    const repo = await repoFromFixture('profile-d-app');
    const pushed = await push(repo, app, owner.user.token);
    expect(pushed.code, pushed.output).toBe(0);
    expect((await appGet(app)).body).toBe('order=10-x,B,a,b\n');

    const oneOff = await cli(['run', '-a', app, '--', 'sh', '-c', 'echo "order=$PROFILE_ORDER"']);
    expect(oneOff.code, oneOff.stderr).toBe(0);
    expect(oneOff.stdout).toContain('order=10-x,B,a,b');
  });
});
