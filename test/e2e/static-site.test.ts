/** A static site (index.html, no package.json) deploys with the static buildpack. */
import { describe, expect, it } from 'vitest';
import { newUser, uniqueName } from './helpers/gantry';
import { push, repoFromFixture } from './helpers/git';
import { appGet } from './helpers/http';

describe('static site', () => {
  it('deploys and serves files, with a 404 for missing ones', async () => {
    const user = await newUser('static');
    const app = uniqueName('site');
    await user.client.createApp(app);
    const pushed = await push(await repoFromFixture('static-site'), app, user.token);
    expect(pushed.code, pushed.output).toBe(0);
    expect(pushed.output).toContain('-----> Static site app detected');
    expect(pushed.output).toContain('Released v1');

    const index = await appGet(app, '/');
    expect(index.status).toBe(200);
    expect(index.headers['content-type']).toMatch(/text\/html/);
    expect(index.body).toContain('<html');
    expect((await appGet(app, '/css/site.css')).headers['content-type']).toMatch(/text\/css/);
    expect((await appGet(app, '/nope.html')).status).toBe(404);
  });
});
