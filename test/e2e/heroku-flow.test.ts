/**
 * The path a Heroku user walks, only through the `gantry` CLI and git: log in, create the app in
 * a repo (remote + credential helper), git push gantry main, config:set, releases, rollback,
 * ps, logs, destroy.
 */
import { describe, expect, it } from 'vitest';
import { gantry, newUser, uniqueName } from './helpers/gantry';
import { cliHome, gantryCli, run } from './helpers/cli';
import { repoFromFixture } from './helpers/git';
import { appGet, waitFor } from './helpers/http';

describe('the Heroku flow through the CLI', () => {
  it('creates, pushes, configures, rolls back, inspects and destroys an app', async () => {
    const user = await newUser('flow');
    const home = cliHome();
    const app = uniqueName('flow');
    const repo = await repoFromFixture('dockerfile-app');
    const g = (...args: string[]) => gantryCli(home, args, { cwd: repo });

    const login = await gantryCli(home, ['login', '--api', gantry().apiUrl, '--email', user.email, '--password', user.password]);
    expect(login.code, login.stderr).toBe(0);
    const created = await g('apps:create', app);
    expect(created.code, created.stderr).toBe(0);

    // The credential helper answers git; no token is written into the repository.
    const pushed = await run('git', ['push', 'gantry', 'main'], { home, cwd: repo });
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(pushed.stderr).toContain('Released v1');
    expect((await appGet(app)).body).toContain('greeting=none');

    const open = await g('open');
    expect(open.stdout.trim().replace(/\/$/, '')).toBe(`http://${app}.localhost:${gantry().routerPort}`);

    const set = await g('config:set', 'GREETING=from-the-cli');
    expect(set.code, set.stderr).toBe(0);
    expect(set.stderr).toMatch(/Setting GREETING and restarting .*v2/);
    expect((await appGet(app)).body).toContain('greeting=from-the-cli'); // config:set waits for the deploy

    const rollback = await g('releases:rollback', 'v1');
    expect(rollback.code, rollback.stderr).toBe(0);
    expect((await appGet(app)).body).toContain('greeting=none');

    const releases = await g('releases', '--json');
    expect(JSON.parse(releases.stdout).map((r: { version: number; description: string }) => `v${r.version} ${r.description}`)).toEqual([
      'v3 Rollback to v1',
      'v2 Set GREETING config var',
      expect.stringMatching(/^v1 Deploy [0-9a-f]{7}$/),
    ]);

    const ps = await waitFor('one instance of v3', async () => {
      const list = JSON.parse((await g('ps', '--json')).stdout) as { process: string; state: string; release: number }[];
      return list.length === 1 && list[0]!.release === 3 ? list : null;
    });
    expect(ps[0]).toMatchObject({ process: 'web.1', state: 'up' });

    const logs = await waitFor('the app output in the logs', async () => {
      const r = await g('logs', '-n', '200');
      return r.stdout.includes('perl app listening on 5000') ? r.stdout : null;
    });
    expect(logs).toMatch(/app\[web\.1\]: perl app listening on 5000/);
    expect(logs).toMatch(/Deployed v3/);

    const destroyed = await g('apps:destroy', '--confirm', app);
    expect(destroyed.code, destroyed.stderr).toBe(0);
    await waitFor('the app to stop answering', async () => (await appGet(app)).status === 404);
  });
});
