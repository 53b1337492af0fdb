/**
 * The Heroku path for a Node.js app: the nodejs buildpack resolves engines.node, output streams
 * live to `git push`, the app answers through the router; a second push switches with no failed
 * request and reuses the build cache; releases keep history and rollback restores old code.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { newUser, uniqueName, type TestUser } from './helpers/gantry';
import { pushTimed, repoFromFixture, writeAndCommit } from './helpers/git';
import { appGet, pollWhile, waitFor } from './helpers/http';

describe('Node.js app with the nodejs buildpack', () => {
  let user: TestUser;
  let app: string;
  let repo: string;
  let coldMs = 0;

  beforeAll(async () => {
    user = await newUser('node');
    app = uniqueName('node');
    await user.client.createApp(app);
    repo = await repoFromFixture('node-app');
  });

  it('deploys on the first push, with the build streamed live', async () => {
    const pushed = await pushTimed(repo, app, user.token);
    coldMs = pushed.ms;
    expect(pushed.code, pushed.output).toBe(0);
    const at = (text: string) => pushed.lines.find((l) => l.line.includes(text));
    for (const step of ['-----> Node.js app detected', 'engines.node (package.json):  22.x', 'Resolved Node.js 22.', 'Running npm ci', 'added 71 packages', 'Released v1', 'deployed']) {
      expect(at(step), `push output lacks "${step}":\n${pushed.output}`).toBeTruthy();
    }
    // Live: the first build step reached the pusher long before the push ended.
    expect(pushed.ms - at('Node.js app detected')!.at).toBeGreaterThan(1000);

    const res = await appGet(app);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ version: 'one', dyno: 'web.1' });
    expect(JSON.parse(res.body).node).toMatch(/^v22\./);
  });

  it('serves the second push with no failed request, from a warm build cache', async () => {
    await writeAndCommit(repo, 'version.txt', 'two\n');
    const pushing = pushTimed(repo, app, user.token);
    const polled = await pollWhile(app, pushing.then(() => waitFor('v2 to serve', async () => JSON.parse((await appGet(app)).body).version === 'two')));
    const pushed = await pushing;
    expect(pushed.code, pushed.output).toBe(0);
    expect(pushed.output).toMatch(/Restor\w* .*node_modules|node_modules restored/i);
    expect(pushed.output).not.toContain('Running npm ci');
    console.log(`deploy times: cold ${coldMs} ms, warm ${pushed.ms} ms`);

    expect(polled.errors).toEqual([]);
    expect(Object.keys(polled.statuses)).toEqual(['200']);
    expect(polled.total).toBeGreaterThan(20);
    const versions = [...polled.bodies].map((b) => JSON.parse(b).version);
    expect(new Set(versions)).toEqual(new Set(['one', 'two']));
  });

  it('lists releases and rolls back to old code', async () => {
    await waitFor('v2 to be current', async () => (await user.client.release(app, 2)).current);
    const releases = await user.client.releases(app);
    expect(releases.map((r) => [r.version, r.current, r.description.startsWith('Deploy ')])).toEqual([
      [2, true, true],
      [1, false, true],
    ]);
    const rolled = await user.client.rollback(app, 1);
    expect(rolled).toMatchObject({ version: 3, description: 'Rollback to v1' });
    await waitFor('v1 code to serve again', async () => JSON.parse((await appGet(app)).body).version === 'one');
    await waitFor('v3 to be current', async () => (await user.client.release(app, 3)).current);
  });
});
