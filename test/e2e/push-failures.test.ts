/**
 * Bad pushes get a clear message and lose nothing: a broken build, an app that crashes on boot,
 * a bad Procfile, refs other than main, deleting main, a second push while one is in progress,
 * a malformed receive-pack request. In every case the previous release keeps serving.
 */
import { request } from 'node:http';
import { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { gantry, newUser, uniqueName, type TestUser } from './helpers/gantry';
import { git, push, remoteUrl, repoFromFixture } from './helpers/git';
import { appGet, waitFor } from './helpers/http';

describe('failed and refused pushes', () => {
  let user: TestUser;
  let app: string;

  const stillServingV1 = async () => {
    const res = await appGet(app);
    expect(res.status).toBe(200);
    expect(res.body).toContain('hello from the Dockerfile app');
    expect((await user.client.appInfo(app)).currentRelease).toBe(1);
  };

  beforeAll(async () => {
    user = await newUser('fail');
    app = uniqueName('fail');
    await user.client.createApp(app);
    const first = await push(await repoFromFixture('dockerfile-app'), app, user.token);
    expect(first.code, first.output).toBe(0);
  });

  it('rejects a broken build with its error and keeps the previous release', async () => {
    const pushed = await push(await repoFromFixture('broken-build'), app, user.token, '+main:main');
    expect(pushed.code).not.toBe(0);
    expect(pushed.output).toContain('error TS2322: this build is broken on purpose');
    expect(pushed.output).toMatch(/remote: +! +.*Build failed/);
    expect(pushed.output).toContain('[remote rejected] main -> main');
    await stillServingV1();
    const builds = await user.client.builds(app);
    expect(builds[0]).toMatchObject({ status: 'failed' });
    expect((await user.client.build(app, builds[0]!.number)).log).toContain('broken on purpose');
  });

  it('abandons a release whose app crashes on boot, showing why', async () => {
    const pushed = await push(await repoFromFixture('crash-on-boot'), app, user.token, '+main:main');
    expect(pushed.code).not.toBe(0);
    expect(pushed.output).toMatch(/web\.1 of v\d+ did not become healthy: it exited with code 3/);
    expect(pushed.output).toContain('fatal: DATABASE_URL is not set');
    expect(pushed.output).toContain('v1 keeps serving');
    const [latest] = await user.client.releases(app);
    expect(latest).toMatchObject({ status: 'failed', current: false });
    expect(latest!.statusReason).toContain('exited with code 3');
    await stillServingV1();
  });

  it('rejects a bad Procfile naming the line', async () => {
    const pushed = await push(await repoFromFixture('bad-procfile'), app, user.token, '+main:main');
    expect(pushed.code).not.toBe(0);
    expect(pushed.output).toContain('Procfile line 2');
    await stillServingV1();
  });

  it('refuses other branches and tags politely, and deleting main', async () => {
    const repo = await repoFromFixture('dockerfile-app');
    const branch = await push(repo, app, user.token, 'main:feature');
    expect(branch.code).not.toBe(0);
    expect(branch.output).toContain('Gantry deploys only the main (or master) branch; feature was not pushed');
    expect(branch.output).toContain('git push gantry feature:main');
    await git(repo, ['tag', 'v1.0']);
    const tag = await push(repo, app, user.token, 'refs/tags/v1.0');
    expect(tag.code).not.toBe(0);
    expect(tag.output).toContain('Gantry deploys only the main');
    const del = await push(repo, app, user.token, ':main');
    expect(del.code).not.toBe(0);
    expect(del.output).toContain('Deleting main is not supported');
    const refs = await git(repo, ['ls-remote', remoteUrl(app, user.token)]);
    expect(refs.stdout).toContain('refs/heads/main');
    expect(refs.stdout).not.toContain('feature');
    await stillServingV1();
  });

  it('refuses a second push while one is building, and the first completes', async () => {
    const other = await repoFromFixture('dockerfile-app');
    const { id } = await user.client.appInfo(app);
    const redis = new Redis(gantry().redisUrl);
    const slow = push(await repoFromFixture('slow-build'), app, user.token, '+main:main');
    // Wait until the slow build holds the app's push lock.
    await waitFor('the first push to hold the lock', async () => (await redis.exists(`gantry:${gantry().instance}:lock:push:${id}`)) === 1);
    redis.disconnect();
    const second = await push(other, app, user.token, '+main:main');
    expect(second.code).not.toBe(0);
    expect(second.output).toMatch(/Another deploy of .* is in progress \(push of [0-9a-f]{7} by .*\)/);
    const first = await slow;
    expect(first.code, first.output).toBe(0);
    expect(first.output).toContain('slow step done');
    expect((await appGet(app)).status).toBe(200);
  });

  it('answers a malformed receive-pack request with 400 instead of hanging', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const url = new URL(`${gantry().gitUrl}/${app}.git/git-receive-pack`);
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          headers: { authorization: `Basic ${Buffer.from(`git:${user.token}`).toString('base64')}`, 'content-type': 'application/x-git-receive-pack-request' },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end('this is not a git pack\n');
    });
    expect(status).toBe(400);
  });
});
