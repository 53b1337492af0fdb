/**
 * Per-app settings that shape a deploy: an HTTP health check from app.json (an unhealthy release
 * is abandoned), and BUILDPACK_URL choosing the buildpack instead of detection.
 */
import { describe, expect, it } from 'vitest';
import { newUser, uniqueName } from './helpers/gantry';
import { push, repoFromFixture } from './helpers/git';
import { appGet } from './helpers/http';

describe('app settings', () => {
  it('abandons a release whose app.json HTTP health check fails', async () => {
    const user = await newUser('health');
    const app = uniqueName('health');
    await user.client.createApp(app);
    const pushed = await push(await repoFromFixture('unhealthy-http'), app, user.token);
    expect(pushed.code).not.toBe(0);
    expect(pushed.output).toContain('its health check failed 3 times (last: GET /health answered 503)');
    expect(pushed.output).toContain('Nothing was serving before');
    const [release] = await user.client.releases(app);
    expect(release).toMatchObject({ version: 1, status: 'failed' });
    expect((await appGet(app)).status).toBe(503); // the app exists, with no instance to serve
  });

  it('builds with the buildpack named by BUILDPACK_URL, and refuses an unknown one', async () => {
    const user = await newUser('bp');
    const app = uniqueName('bp');
    await user.client.createApp(app);
    const repo = await repoFromFixture('mixed-app');

    await user.client.setConfig(app, { BUILDPACK_URL: 'no-such-pack' });
    const refused = await push(repo, app, user.token);
    expect(refused.code).not.toBe(0);
    expect(refused.output).toContain('BUILDPACK_URL names an unknown buildpack "no-such-pack"');

    await user.client.setConfig(app, { BUILDPACK_URL: 'heroku/procfile' });
    const pushed = await push(repo, app, user.token);
    expect(pushed.code, pushed.output).toBe(0);
    expect(pushed.output).toContain('-----> Procfile app detected');
    expect(pushed.output).not.toContain('Node.js app detected');
    expect((await appGet(app)).body).toContain('hello from the Dockerfile app');
  });
});
