/**
 * A Dockerfile app (FROM the local stack image): git push builds it with docker build, streams
 * the output, releases and serves it through the router; config:set makes a new release whose
 * environment the app sees.
 */
import { describe, expect, it } from 'vitest';
import { newUser, uniqueName } from './helpers/gantry';
import { push, repoFromFixture } from './helpers/git';
import { appGet, waitFor } from './helpers/http';

describe('Dockerfile app', () => {
  it('deploys on git push, streams the build, and picks up config changes', async () => {
    const user = await newUser('docker');
    const app = uniqueName('perl');
    await user.client.createApp(app);
    const repo = await repoFromFixture('dockerfile-app');

    const pushed = await push(repo, app, user.token);
    expect(pushed.code, pushed.output).toBe(0);
    expect(pushed.output).toContain('remote: -----> Building with the Dockerfile');
    expect(pushed.output).toMatch(/remote: +Step 1\/\d+ : FROM gantry\/stack:bookworm/);
    expect(pushed.output).toContain('Released v1');
    expect(pushed.output).toContain(`http://${app}.localhost`);

    const res = await appGet(app);
    expect(res.status).toBe(200);
    expect(res.body).toContain('greeting=none');
    expect(res.headers['x-request-id']).toBeTruthy();

    const { release } = await user.client.setConfig(app, { GREETING: 'bonjour' });
    expect(release?.version).toBe(2);
    expect(release?.description).toBe('Set GREETING config var');
    await waitFor('the app to see GREETING', async () => (await appGet(app)).body.includes('greeting=bonjour'));
    // Traffic switches first; the release is recorded as current a moment later.
    await waitFor('v2 to be current', async () => (await user.client.release(app, 2)).current);
    const releases = await user.client.releases(app);
    expect(releases.map((r) => [r.version, r.status, r.current])).toEqual([
      [2, 'succeeded', true],
      [1, 'succeeded', false],
    ]);
    // The old instance drains (state "stopping") and then goes away.
    const ps = await waitFor('the old instance to stop', async () => {
      const list = await user.client.ps(app);
      return list.length === 1 ? list : null;
    });
    expect(ps[0]).toMatchObject({ process: 'web.1', state: 'up', release: 2 });
  });
});
