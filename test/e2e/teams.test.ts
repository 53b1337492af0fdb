/**
 * Teams and access (issue 6) through the real `gantry` binary, one HOME and login per user: a
 * team with an app, invitations by link, member vs viewer rights, removal that takes effect at
 * once (API, git push, a running log tail, a running one-off), deploys by members, API tokens (created, listed, revoked, expired), the
 * audit log (config keys, never values; owners only), and the failed-login limit (429).
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, GantryClient, type AuditEventView, type TokenView } from '@gantry/api-client';
import { issueToken } from '@gantry/control';
import { CLI_BIN, cliHome, gantryCli, userEnv, cliUser as loggedIn, type CliUser } from './helpers/cli';
import { gantry, newUser, testDb, uniqueName } from './helpers/gantry';
import { push, repoFromFixture, writeAndCommit } from './helpers/git';
import { statusOf, waitFor } from './helpers/http';


const cleanup: string[] = [];

async function cliUser(label: string): Promise<CliUser> {
  const u = await loggedIn(label);
  cleanup.push(u.home);
  return u;
}

/** Commands run in the user's HOME (not a git repo), so apps:create touches no remote. */
const cli = (who: CliUser, args: string[]) => gantryCli(who.home, args, { cwd: who.home });

async function ok(who: CliUser, args: string[]): Promise<string> {
  const r = await cli(who, args);
  expect(r.code, `gantry ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout;
}

describe('teams, roles, invitations, tokens, audit log, login limit', () => {
  let owner: CliUser;
  let member: CliUser;
  let viewer: CliUser;
  let team: string;
  let app: string;

  beforeAll(async () => {
    [owner, member, viewer] = await Promise.all([cliUser('team-owner'), cliUser('team-member'), cliUser('team-viewer')]);
    team = uniqueName('acme');
    app = uniqueName('team-app');
  });

  afterAll(async () => {
    await owner.user.client.destroyApp(app).catch(() => {});
    for (const dir of cleanup) rmSync(dir, { recursive: true, force: true });
  });

  it('an owner creates a team and an app in it', async () => {
    await ok(owner, ['teams:create', team]);
    const teams = JSON.parse(await ok(owner, ['teams', '--json'])) as { name: string; role: string; personal: boolean }[];
    expect(teams.find((t) => t.name === team)).toMatchObject({ role: 'owner', personal: false });
    await ok(owner, ['apps:create', app, '--team', team, '--no-remote']);
    expect(JSON.parse(await ok(owner, ['teams', '--json'])).find((t: { name: string }) => t.name === team).apps).toBe(1);
    // Not a member yet: the app is not theirs.
    const denied = await cli(member, ['apps:info', '-a', app]);
    expect(denied.code).toBe(1);
  });

  it('invites a member and a viewer by link; a link works once, for its email only', async () => {
    const memberLink = (await ok(owner, ['members:add', member.user.email, '--role', 'member', '-t', team])).trim();
    const viewerLink = (await ok(owner, ['members:add', viewer.user.email, '--role', 'viewer', '-t', team])).trim();
    expect(memberLink).toMatch(/\/invitations\/gty_[A-Za-z0-9_-]{43}$/);

    // Read before accepting: what the link offers, and whether this user can take it.
    expect(await member.user.client.invitation(memberLink)).toMatchObject({ team, role: 'member', email: member.user.email, canAccept: true, problem: null });
    const notYours = await viewer.user.client.invitation(memberLink);
    expect(notYours).toMatchObject({ team, canAccept: false });
    expect(notYours.problem).toMatch(/log in as that user/);

    const wrongUser = await cli(viewer, ['invitations:accept', memberLink]);
    expect(wrongUser.code).toBe(1);
    expect(wrongUser.stderr).toMatch(new RegExp(`for ${member.user.email.replace(/[.]/g, '\\.')}`));

    expect(await ok(member, ['invitations:accept', memberLink])).toBe('');
    await ok(viewer, ['invitations:accept', viewerLink]);
    const again = await cli(member, ['invitations:accept', memberLink]);
    expect(again.code).toBe(1);
    expect(await statusOf(member.user.client.invitation(memberLink))).toBe(404); // spent

    const members = JSON.parse(await ok(viewer, ['members', '-t', team, '--json'])) as { email: string; role: string }[];
    expect(Object.fromEntries(members.map((m) => [m.email, m.role]))).toEqual({
      [owner.user.email]: 'owner',
      [member.user.email]: 'member',
      [viewer.user.email]: 'viewer',
    });
  });

  it('the member can set and read config; the viewer cannot (403) but reads ps and releases', async () => {
    await ok(member, ['config:set', 'SECRET_TOKEN=hunter2-very-secret', '-a', app]);
    const refused = await cli(viewer, ['config:set', 'X=1', '-a', app]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/do not have write access/);
    expect(await statusOf(viewer.user.client.setConfig(app, { X: '1' }))).toBe(403);
    // Nor read the values: they hold secrets.
    const secretRead = await cli(viewer, ['config', '-a', app]);
    expect(secretRead.code).toBe(1);
    expect(secretRead.stderr).toMatch(/Config values hold secrets/);
    expect(secretRead.stdout + secretRead.stderr).not.toMatch(/hunter2/);
    expect(Array.isArray(JSON.parse(await ok(viewer, ['ps', '-a', app, '--json'])))).toBe(true);
    const releases = JSON.parse(await ok(viewer, ['releases', '-a', app, '--json'])) as { description: string }[];
    expect(releases[0]!.description).toMatch(/Set SECRET_TOKEN/);
    // Members manage nothing: no role changes, no invitations.
    const promote = await cli(member, ['members:set', viewer.user.email, '--role', 'admin', '-t', team]);
    expect(promote.code).toBe(1);
    expect(promote.stderr).toMatch(/Only owners and admins/);
  });

  it('the last owner can be neither removed nor demoted', async () => {
    const demote = await cli(owner, ['members:set', owner.user.email, '--role', 'admin', '-t', team]);
    expect(demote.code).toBe(1);
    expect(demote.stderr).toMatch(/needs an owner/);
    const leave = await cli(owner, ['members:remove', owner.user.email, '-t', team]);
    expect(leave.code).toBe(1);
  });

  it('the audit log shows the config key but not its value, to the owner only', async () => {
    const events = JSON.parse(await ok(owner, ['audit', '-t', team, '--json'])) as AuditEventView[];
    const change = events.find((e) => e.action === 'config.change');
    expect(change).toMatchObject({ actor: member.user.email, app, details: { set: ['SECRET_TOKEN'] } });
    expect(events.map((e) => e.action)).toEqual(expect.arrayContaining(['team.create', 'app.create', 'invitation.create', 'member.add', 'config.change']));
    const table = await ok(owner, ['audit', '-t', team]);
    expect(table).toMatch(/SECRET_TOKEN/);
    for (const text of [JSON.stringify(events), table]) expect(text).not.toMatch(/hunter2/);
    const refused = await cli(member, ['audit', '-t', team]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/owner or admin/);
  });

  it('removing the member revokes their access at once: API, git push, a running log tail and one-off', async () => {
    const repo = await repoFromFixture('dockerfile-app');
    cleanup.push(repo);
    // While a member, they deploy: the audit log records it as theirs.
    const deployed = await push(repo, app, member.user.token);
    expect(deployed.code, deployed.output).toBe(0);

    const tail = spawn(process.execPath, [CLI_BIN, 'logs', '--tail', '-a', app], { env: userEnv(member.home), cwd: member.home, stdio: ['ignore', 'pipe', 'pipe'] });
    let tailErr = '';
    tail.stderr.on('data', (c: Buffer) => (tailErr += c.toString()));
    const tailExit = new Promise<number | null>((done) => tail.on('exit', (code) => done(code)));
    const oneOff = spawn(process.execPath, [CLI_BIN, 'run', '-a', app, '--', 'sleep', '300'], { env: userEnv(member.home), cwd: member.home, stdio: ['pipe', 'pipe', 'pipe'] });
    let runErr = '';
    oneOff.stderr.on('data', (c: Buffer) => (runErr += c.toString()));
    const runExit = new Promise<number | null>((done) => oneOff.on('exit', (code) => done(code)));
    try {
      await new Promise((r) => setTimeout(r, 1500)); // the tail is connected and following
      await waitFor('the one-off to be up', async () => (/up, run\.\d{4}/.test(runErr) ? true : null), 60_000);

      await ok(owner, ['members:remove', member.user.email, '-t', team]);

      const next = await cli(member, ['config:set', 'AFTER=1', '-a', app]);
      expect(next.code).toBe(1);
      expect(next.stderr).toMatch(/do not have write access/);
      expect(await statusOf(member.user.client.appInfo(app))).toBe(403);
      await writeAndCommit(repo, 'after-removal.txt', 'refused\n');
      const pushed = await push(repo, app, member.user.token);
      expect(pushed.code).not.toBe(0);
      expect(pushed.output).toMatch(/403/);

      const code = await Promise.race([tailExit, new Promise<'running'>((r) => setTimeout(() => r('running'), 20_000))]);
      expect(code, tailErr).toBe(1);
      expect(tailErr).toMatch(/do not have read access/);
      // The one-off they had running is stopped too, and says why.
      const ran = await Promise.race([runExit, new Promise<'running'>((r) => setTimeout(() => r('running'), 20_000))]);
      expect(ran, runErr).toBe(1);
      expect(runErr).toMatch(new RegExp(`You do not have write access to ${app} any more: run\\.\\d{4} was stopped`));
      const lines = await owner.user.client.logs(app, 200);
      expect(lines.some((l) => l.source === 'gantry' && /^Killed \(access revoked\)/.test(l.line))).toBe(true);
    } finally {
      tail.kill('SIGKILL');
      oneOff.kill('SIGKILL');
    }
    const events = JSON.parse(await ok(owner, ['audit', '-t', team, '--json'])) as AuditEventView[];
    expect(events.find((e) => e.action === 'member.remove')).toMatchObject({ actor: owner.user.email, target: member.user.email });
    expect(events.find((e) => e.action === 'deploy')).toMatchObject({ actor: member.user.email, app, target: 'v2' });
  });

  it('tokens are created, listed, revoked, and refused after revocation', async () => {
    const created = JSON.parse(await ok(owner, ['authorizations:create', '--name', 'ci-bot', '--expires-in', '30d', '--json'])) as TokenView & { token: string };
    expect(created.token).toMatch(/^gty_/);
    const days = (Date.parse(created.expiresAt!) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThan(30.1);

    const bot = new GantryClient({ baseUrl: gantry().apiUrl, token: created.token });
    expect((await bot.me()).email).toBe(owner.user.email);
    expect((await bot.appInfo(app)).name).toBe(app);

    const listed = await ok(owner, ['authorizations', '--json']);
    expect(listed).not.toMatch(/gty_/); // never a secret
    const tokens = JSON.parse(listed) as TokenView[];
    expect(tokens.find((t) => t.id === created.id)).toMatchObject({ name: 'ci-bot', current: false });
    expect(tokens.find((t) => t.id === created.id)!.lastUsedAt).not.toBeNull();
    expect(tokens.filter((t) => t.current)).toHaveLength(1); // the CLI's own login
    expect(await ok(owner, ['authorizations'])).toMatch(/ci-bot/);

    await ok(owner, ['authorizations:revoke', created.id]);
    expect(await statusOf(bot.me())).toBe(401);
    expect((JSON.parse(await ok(owner, ['authorizations', '--json'])) as TokenView[]).map((t) => t.id)).not.toContain(created.id);
    // Someone else's token id is not found, not revoked.
    const others = await cli(viewer, ['authorizations:revoke', tokens.find((t) => t.current)!.id]);
    expect(others.code).toBe(1);
    expect(await statusOf(owner.user.client.me())).toBe(200);
  });

  it('refuses an expired token', async () => {
    const ctx = { db: testDb(), queues: { add: async () => '' }, imageRepoPrefix: `gantry-${gantry().instance}` };
    const { token } = await issueToken(ctx, owner.user.id, 'expired', new Date(Date.now() - 60_000));
    const expired = new GantryClient({ baseUrl: gantry().apiUrl, token });
    const err = await expired.me().catch((e: unknown) => e as ApiError);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(401);
    expect((err as ApiError).message).toMatch(/expired/);
  });

  it('limits failed logins: the 11th attempt in 15 minutes gets 429 with Retry-After', async () => {
    const victim = await newUser('team-limit');
    const home = cliHome();
    cleanup.push(home);
    const attempt = () => gantryCli(home, ['login', '--api', gantry().apiUrl, '--email', victim.email, '--password', 'wrong-password']);
    for (let i = 1; i <= 10; i++) {
      const r = await attempt();
      expect(r.code, `attempt ${i}: ${r.stderr}`).toBe(1);
      expect(r.stderr).toMatch(/Invalid email or password/);
    }
    const limited = await attempt();
    expect(limited.code).toBe(1);
    expect(limited.stderr).toMatch(/Too many failed logins: try again in 1[45] minutes/);
    // Even the right password waits; the answer says how long.
    const res = await fetch(`${gantry().apiUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: victim.email, password: victim.password }),
    });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(800);
    expect(((await res.json()) as { error: { id: string } }).error.id).toBe('rate_limited');
    // Another user is not affected.
    await waitFor('a login of another user', async () => (await gantryCli(home, ['login', '--api', gantry().apiUrl, '--email', owner.user.email, '--password', owner.user.password])).code === 0, 5000);
  });
});
