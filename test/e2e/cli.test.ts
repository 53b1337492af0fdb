/**
 * The `gantry` CLI binary against the Gantry under test (started by the e2e global setup),
 * as a user would run it: real processes, a temp HOME per user (the real ~/.config is never
 * touched), a real git client going through the CLI's credential helper. Users are created with
 * the createUser use case; everything created is destroyed at the end.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { GantryClient, type AppView, type ReleaseView } from '@gantry/api-client';
import { createUser, issueToken } from '@gantry/control';
import { connectDb, type Db } from '@gantry/db';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'apps/cli/bin/gantry.js');
const API = inject('gantry').apiUrl;
const suffix = randomBytes(3).toString('hex');
const APP = `cli-test-${suffix}`;
const PASSWORD = `pw-${randomBytes(8).toString('hex')}`;
const alice = { email: `cli-alice-${suffix}@example.com`, home: '', id: '' };
const bob = { email: `cli-bob-${suffix}@example.com`, home: '', id: '' };

const tmp = mkdtempSync(join(tmpdir(), 'gantry-cli-it-'));
const repo = join(tmp, 'repo');
const elsewhere = join(tmp, 'not-a-repo');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function envFor(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    ...(process.env.TMPDIR ? { TMPDIR: process.env.TMPDIR } : {}),
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    NO_COLOR: '1',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_TERMINAL_PROMPT: '0',
    ...extra,
  } as Record<string, string | undefined> as NodeJS.ProcessEnv;
}

function exec(file: string, args: string[], opts: { home: string; cwd?: string; env?: Record<string, string>; input?: string }): Promise<Run> {
  return new Promise((done) => {
    const child = execFile(file, args, { cwd: opts.cwd ?? tmp, env: envFor(opts.home, opts.env), timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
      done({ code, stdout: String(stdout), stderr: String(stderr) });
    });
    child.stdin?.on('error', () => {}); // the program may exit without reading stdin
    child.stdin?.end(opts.input ?? '');
  });
}

const gantry = (who: { home: string }, args: string[], opts: { cwd?: string; env?: Record<string, string>; input?: string } = {}) =>
  exec(process.execPath, [BIN, ...args], { home: who.home, ...opts });
const git = (args: string[], opts: { home: string; cwd?: string }) => exec('git', args, opts);
const credentialsOf = (who: { home: string }) => join(who.home, '.config', 'gantry', 'credentials.json');

const databaseUrl = () => inject('gantry').databaseUrl;

let db: Db;
const ctx = () => ({ db, queues: { add: async () => '' }, imageRepoPrefix: `gantry-${inject('gantry').instance}` });

beforeAll(async () => {
  const health = await fetch(`${API}/api/v1/health`).catch(() => undefined);
  if (!health) throw new Error(`No Gantry API at ${API}.`);
  db = connectDb(databaseUrl(), { max: 2 });
  for (const u of [alice, bob]) {
    u.home = mkdtempSync(join(tmp, 'home-'));
    u.id = (await createUser(ctx() as never, { email: u.email, password: PASSWORD })).id;
  }
  for (const d of [repo, elsewhere]) mkdirSync(d, { recursive: true });
  expect((await git(['init', '-q', repo], { home: alice.home })).code).toBe(0);
});

afterAll(async () => {
  try {
    if (db) {
      // The app is destroyed by the test; if a step failed first, destroy it through the API.
      const app = await db.app.findUnique({ where: { name: APP } });
      if (app && alice.id) {
        const { token } = await issueToken(ctx() as never, alice.id, 'cli test cleanup');
        await new GantryClient({ baseUrl: API, token }).destroyApp(APP).catch(() => {});
      }
      for (const u of [alice, bob]) {
        if (!u.id) continue;
        await db.user.delete({ where: { id: u.id } }).catch(() => {});
        await db.team.deleteMany({ where: { name: `personal-${u.id}`, apps: { none: {} } } });
      }
      await db.$disconnect();
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

describe('gantry CLI against a running Gantry', () => {
  let aliceToken = '';
  let app: AppView;

  it('logs in, knows who you are, prints the token', async () => {
    const wrong = await gantry(alice, ['login', '--api', API, '--email', alice.email, '--password', 'not-the-password']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain(' ▸    Invalid email or password.');

    const before = await gantry(alice, ['whoami']);
    expect(before.code).toBe(3);
    expect(before.stderr).toMatch(/Not logged in .*gantry login/);

    const login = await gantry(alice, ['login', '--api', API, '--email', alice.email, '--password', PASSWORD]);
    expect(login.code, login.stderr).toBe(0);
    expect(login.stderr).toContain(`Logged in as ${alice.email}`);
    expect(statSync(credentialsOf(alice)).mode & 0o777).toBe(0o600);

    const who = await gantry(alice, ['whoami']);
    expect(who).toMatchObject({ code: 0, stdout: `${alice.email}\n` });
    const token = await gantry(alice, ['auth:token']);
    expect(token.code).toBe(0);
    aliceToken = token.stdout.trim();
    expect(aliceToken).toMatch(/^gty_/);
    expect(JSON.parse(readFileSync(credentialsOf(alice), 'utf8'))).toMatchObject({ default: API, apis: { [API]: { email: alice.email, token: aliceToken } } });

    // Bob logs in with email and password piped on stdin.
    const piped = await gantry(bob, ['login', '--api', API], { input: `${bob.email}\n${PASSWORD}\n` });
    expect(piped.code, piped.stderr).toBe(0);
    expect((await gantry(bob, ['whoami'])).stdout).toBe(`${bob.email}\n`);
  });

  it('refuses a bad app name before any network call', async () => {
    // An unreachable API proves no request is needed to reject the name.
    const bad = await gantry(alice, ['apps:create', 'Bad_Name'], { env: { GANTRY_API_URL: 'http://127.0.0.1:9' } });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(' ▸    Invalid app name "Bad_Name": it may contain only lowercase letters, digits and dashes.');
  });

  it('creates an app in a git repo: remote, credential helper, no token in .git/config', async () => {
    const created = await gantry(alice, ['apps:create', APP], { cwd: repo });
    expect(created.code, created.stderr).toBe(0);
    const [url, gitUrl] = created.stdout.trim().split(' | ');
    expect(gitUrl).toMatch(new RegExp(`/${APP}\\.git$`));
    expect(url).toContain(APP);
    expect(created.stderr).toContain(`Added git remote gantry → ${gitUrl}`);
    expect(created.stderr).toMatch(/credential helper set for http/i);

    expect((await git(['remote', 'get-url', 'gantry'], { home: alice.home, cwd: repo })).stdout.trim()).toBe(gitUrl);
    const base = new URL(gitUrl!).origin;
    const helpers = await git(['config', '--local', '--get-all', `credential.${base}.helper`], { home: alice.home, cwd: repo });
    expect(helpers.stdout).toBe(`\n!'${process.execPath}' '${BIN}' git:credential\n`);
    const gitConfig = readFileSync(join(repo, '.git/config'), 'utf8');
    expect(gitConfig).not.toContain(aliceToken);
    expect(gitConfig).not.toContain('gty_');

    // Through the helper, git is authenticated; with nobody logged in, it is not.
    const ls = await git(['ls-remote', 'gantry'], { home: alice.home, cwd: repo });
    expect(ls.code, ls.stderr).toBe(0);
    const nobody = mkdtempSync(join(tmp, 'home-nobody-'));
    const denied = await git(['ls-remote', 'gantry'], { home: nobody, cwd: repo });
    expect(denied.code).not.toBe(0);

    // git:remote again (e.g. in a fresh clone) keeps one helper and reports the remote as kept.
    const again = await gantry(alice, ['git:remote', '-a', APP], { cwd: repo });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('Kept git remote gantry');
    const after = await git(['config', '--local', '--get-all', `credential.${base}.helper`], { home: alice.home, cwd: repo });
    expect(after.stdout).toBe(helpers.stdout);
  });

  it('lists and shows apps', async () => {
    const table = await gantry(alice, ['apps']);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^Name\s+Release\s+URL\s+Created$/);
    expect(table.stdout).toContain(APP);
    const json = await gantry(alice, ['apps', '--json']);
    const apps = JSON.parse(json.stdout) as AppView[];
    app = apps.find((a) => a.name === APP)!;
    expect(app).toMatchObject({ name: APP, currentRelease: null });

    // No -a: the app comes from the repo's gantry remote.
    const info = await gantry(alice, ['apps:info'], { cwd: repo });
    expect(info.code, info.stderr).toBe(0);
    expect(info.stdout).toContain(`=== ${APP}`);
    expect(info.stdout).toMatch(new RegExp(`Git URL:\\s+${app.gitUrl.replace(/[.]/g, '\\.')}`));

    const noApp = await gantry(alice, ['apps:info'], { cwd: elsewhere });
    expect(noApp.code).toBe(1);
    expect(noApp.stderr).toContain('No app given: pass -a NAME or run inside a repo with a gantry remote');
  });

  it('sets, gets and unsets config vars, each a release', async () => {
    const set = await gantry(alice, ['config:set', 'A=1', 'B=hello world', '--no-wait'], { cwd: repo });
    expect(set.code, set.stderr).toBe(0);
    expect(set.stderr).toContain(`Setting A, B and restarting ${APP}... done, v1`);
    expect(set.stdout).toMatch(/B:\s+hello world/);

    expect((await gantry(alice, ['config:get', 'B', '-a', APP])).stdout).toBe('hello world\n');
    const badKv = await gantry(alice, ['config:set', 'NOEQUALS', '-a', APP]);
    expect(badKv.code).toBe(1);
    expect(badKv.stderr).toContain('Expected KEY=VALUE, got "NOEQUALS".');

    // Followed: a config release of an app that was never built succeeds at once.
    const followed = await gantry(alice, ['config:set', 'C=3', '-a', APP]);
    expect(followed.code, followed.stderr).toBe(0);
    expect(followed.stderr).toContain('done, v2');
    const unset = await gantry(alice, ['config', 'unset', 'A', '-a', APP]); // "config unset" = config:unset
    expect(unset.code, unset.stderr).toBe(0);
    expect(unset.stderr).toContain(`Unsetting A and restarting ${APP}... done, v3`);

    expect(JSON.parse((await gantry(alice, ['config', '--json', '-a', APP])).stdout)).toEqual({ B: 'hello world', C: '3' });
    expect((await gantry(alice, ['config', '--shell', '-a', APP])).stdout).toBe(`B='hello world'\nC=3\n`);
    const listing = await gantry(alice, ['config', '-a', APP]);
    expect(listing.stdout).toContain(`=== ${APP} Config Vars`);
  });

  it('lists releases and refuses to roll back to a release without a build', async () => {
    const table = await gantry(alice, ['releases', '-a', APP]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/v3\s+succeeded \(current\)\s+Remove A config var/);
    expect(table.stdout).toMatch(/v1\s+succeeded\s+Set A, B config vars\s+cli-alice/);
    const json = JSON.parse((await gantry(alice, ['releases', '--json', '-a', APP])).stdout) as ReleaseView[];
    expect(json.map((r) => r.version)).toEqual([3, 2, 1]);

    const info = await gantry(alice, ['releases:info', 'v2', '-a', APP]);
    expect(info.stdout).toMatch(/Description:\s+Set C config var/);
    const badVersion = await gantry(alice, ['releases:info', 'x2', '-a', APP]);
    expect(badVersion.code).toBe(1);
    expect(badVersion.stderr).toContain('Invalid release version "x2"');

    const rollback = await gantry(alice, ['releases:rollback', 'v1', '-a', APP]);
    expect(rollback.code).toBe(1);
    expect(rollback.stderr).toContain(' ▸    v1 has no build to roll back to.');
  });

  it('shows no instances, no builds, no logs', async () => {
    const ps = await gantry(alice, ['ps', '-a', APP]);
    expect(ps.code, ps.stderr).toBe(0);
    expect(ps.stdout).toContain(`No instances of ${APP} (push the app or scale it: gantry ps:scale web=1)`);
    expect(JSON.parse((await gantry(alice, ['ps', '--json', '-a', APP])).stdout)).toEqual([]);
    expect(JSON.parse((await gantry(alice, ['builds', '--json', '-a', APP])).stdout)).toEqual([]);
    expect(Array.isArray(JSON.parse((await gantry(alice, ['logs', '--json', '-n', '10', '-a', APP])).stdout))).toBe(true);
    const open = await gantry(alice, ['open', '-a', APP]);
    expect(open).toMatchObject({ code: 0, stdout: `${app.url.replace(/\/$/, '')}/\n` });
  });

  it('suggests the right command for a typo (exit 2)', async () => {
    const typo = await gantry(alice, ['releases:rolback', 'v1']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('Did you mean releases:rollback?');
    const topicTypo = await gantry(alice, ['confg:set', 'A=1']);
    expect(topicTypo.stderr).toContain('Did you mean config:set?');
    const missingArg = await gantry(alice, ['config:get']);
    expect(missingArg.code).toBe(2);
  });

  it("gives another user a 403 message on the first user's app", async () => {
    const info = await gantry(bob, ['apps:info', '-a', APP]);
    expect(info.code).toBe(1);
    expect(info.stderr).toContain(` ▸    You do not have read access to the app "${APP}".`);
    const set = await gantry(bob, ['config:set', 'X=1', '-a', APP]);
    expect(set.code).toBe(1);
    expect(set.stderr).toContain('You do not have write access');
  });

  it('destroys only with a matching --confirm, and removes the remote', async () => {
    const refused = await gantry(alice, ['apps:destroy'], { cwd: repo });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`To proceed, re-run with --confirm ${APP}`);
    const mismatch = await gantry(alice, ['apps:destroy', '-a', APP, '--confirm', 'other-app']);
    expect(mismatch.code).toBe(1);
    expect(mismatch.stderr).toContain('does not match');

    const destroyed = await gantry(alice, ['apps:destroy', '--confirm', APP], { cwd: repo });
    expect(destroyed.code, destroyed.stderr).toBe(0);
    expect(destroyed.stderr).toContain(`Destroying ${APP}... done`);
    expect(destroyed.stderr).toContain('Removed git remote gantry');
    expect((await git(['remote'], { home: alice.home, cwd: repo })).stdout).not.toContain('gantry');
    const gone = await gantry(alice, ['apps:info', '-a', APP]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('not found');
  });

  it('logs out: the token is revoked (exit 3) and forgotten', async () => {
    const out = await gantry(alice, ['logout']);
    expect(out.code, out.stderr).toBe(0);
    expect(JSON.parse(readFileSync(credentialsOf(alice), 'utf8')).apis[API]).toBeUndefined();
    const who = await gantry(alice, ['whoami']);
    expect(who.code).toBe(3);
    const revoked = await gantry(alice, ['whoami'], { env: { GANTRY_TOKEN: aliceToken } });
    expect(revoked.code).toBe(3);
    expect(revoked.stderr).toMatch(/revoked.*gantry login/);
    expect(existsSync(credentialsOf(alice))).toBe(true);
  });
});
