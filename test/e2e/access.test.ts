/**
 * Every API call, git request and log read is authenticated, and a user may only touch apps of
 * their own teams: no token -> 401, someone else's app -> 403.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { GantryClient } from '@gantry/api-client';
import { gantry, newUser, uniqueName, type TestUser } from './helpers/gantry';
import { git, push, remoteUrl, repoFromFixture } from './helpers/git';
import { statusOf } from './helpers/http';

describe('authentication and authorization', () => {
  let owner: TestUser;
  let other: TestUser;
  let app: string;

  beforeAll(async () => {
    owner = await newUser('owner');
    other = await newUser('other');
    app = uniqueName('private');
    await owner.client.createApp(app);
  });

  it('refuses the API without a valid token (401)', async () => {
    const anon = new GantryClient({ baseUrl: gantry().apiUrl });
    expect(await statusOf(anon.apps())).toBe(401);
    expect(await statusOf(anon.appInfo(app))).toBe(401);
    expect(await statusOf(anon.logs(app))).toBe(401);
    const forged = new GantryClient({ baseUrl: gantry().apiUrl, token: 'gty_' + 'x'.repeat(43) });
    expect(await statusOf(forged.apps())).toBe(401);
  });

  it("refuses another user's app on the API and its logs (403), and does not list it", async () => {
    expect(await statusOf(other.client.appInfo(app))).toBe(403);
    expect(await statusOf(other.client.config(app))).toBe(403);
    expect(await statusOf(other.client.setConfig(app, { A: '1' }))).toBe(403);
    expect(await statusOf(other.client.logs(app))).toBe(403);
    expect(await statusOf(other.client.destroyApp(app))).toBe(403);
    expect((await other.client.apps()).map((a) => a.name)).not.toContain(app);
    expect(await statusOf(owner.client.appInfo(app))).toBe(200);
  });

  it('refuses git without a token (401) and pushes to an app of another user (403)', async () => {
    const repo = await repoFromFixture('dockerfile-app');
    const anon = await git(repo, ['ls-remote', remoteUrl(app)]);
    expect(anon.code).not.toBe(0);
    expect(anon.stderr).toMatch(/401|Authentication failed|could not read Username/i);

    const denied = await push(repo, app, other.token);
    expect(denied.code).not.toBe(0);
    expect(denied.output).toMatch(/403/);
    const read = await git(repo, ['ls-remote', remoteUrl(app, other.token)]);
    expect(read.code).not.toBe(0);
    expect(read.stderr).toMatch(/403/);

    const own = await git(repo, ['ls-remote', remoteUrl(app, owner.token)]);
    expect(own.code, own.stderr).toBe(0);
  });
});
