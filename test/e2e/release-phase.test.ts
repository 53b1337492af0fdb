/**
 * Heroku's release phase: the Procfile's `release` command runs once per release, in a one-off
 * container of the new release with its config (and .profile.d), before any instance of it starts:
 * for pushes, config changes and rollbacks. Its output streams into the push (or the CLI command)
 * and the app's log, and is kept (`releases:output`). A failure, a timeout or a container that
 * cannot start fails the release and the previous one keeps serving. A config change during a
 * push builds on the push's release and the push goes on as the new release.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDocker } from '@gantry/docker';
import { launchChromium, login, shot } from './helpers/browser';
import { cliUser, gantryCli, type CliUser } from './helpers/cli';
import { findService } from './helpers/processes';
import { gantry, uniqueName } from './helpers/gantry';
import { pushTimed, repoFromFixture, writeAndCommit } from './helpers/git';
import { appGet, waitFor } from './helpers/http';

describe('release phase', () => {
  let u: CliUser;
  let app: string;
  let repo: string;
  const cli = (...args: string[]) => gantryCli(u.home, [...args, '-a', app]);
  const body = async () => JSON.parse((await appGet(app)).body) as { version: string; release: string; race: string | null };
  const release = (v: number) => u.user.client.release(app, v);

  beforeAll(async () => {
    u = await cliUser('release');
    app = uniqueName('rel');
    await u.user.client.createApp(app);
    repo = await repoFromFixture('release-phase');
  });
  afterAll(async () => {
    // Apps left running would move onto the lab hosts of later files when they drain `local`.
    for (const a of await u.user.client.apps().catch(() => [])) await u.user.client.destroyApp(a.name).catch(() => {});
    rmSync(u.home, { recursive: true, force: true });
  });

  it('runs the release command before the release starts, with its config and .profile.d, streamed into the push and kept', async () => {
    const pushed = await pushTimed(repo, app, u.user.token);
    expect(pushed.code, pushed.output).toBe(0);
    const at = (text: string) => pushed.lines.findIndex((l) => l.line.includes(text));
    expect(at('Running release command: node migrate.js'), pushed.output).toBeGreaterThan(-1);
    expect(at('migrating: DYNO=release v1 version one')).toBeGreaterThan(at('Running release command'));
    expect(at('profile.d says profile-d-ran')).toBeGreaterThan(-1);
    // Before any instance of the release starts.
    expect(at('Starting web.1')).toBeGreaterThan(at('migration done'));
    const done = /Release command done in ([\d.]+)s/.exec(pushed.output);
    expect(done, pushed.output).toBeTruthy();
    console.log(`release phase of a no-op migration on a push: ${done![1]} s`);
    expect(await body()).toMatchObject({ version: 'one', release: 'v1' });

    const out = await cli('releases:output', 'v1');
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toContain('-----> Running release command: node migrate.js');
    expect(out.stdout).toContain('migration done');
    const logs = await u.user.client.logs(app, 500, { source: 'release' });
    expect(logs.map((l) => l.line)).toContain('migrating: DYNO=release v1 version one');
    expect(logs.find((l) => l.line === 'migration done')?.process).toBe('release');
  });

  it('a config change runs it too; a failing release command fails the release and the previous one keeps serving', async () => {
    const set = await cli('config:set', 'RELEASE_EXIT=3');
    expect(set.code, set.stderr).toBe(1);
    expect(set.stdout).toContain('migration failed with 3');
    expect(set.stderr).toContain('v2 failed: The release command failed (exit code 3)');
    expect(await release(2)).toMatchObject({ status: 'failed', statusReason: 'The release command failed (exit code 3)' });
    expect(await body()).toMatchObject({ version: 'one', release: 'v1' });
    const out = await cli('releases:output', 'v2');
    expect(out.stdout).toContain(' !     The release command failed (exit code 3)');
  });

  it('a push whose release command fails is rejected with the reason', async () => {
    await writeAndCommit(repo, 'version.txt', 'two\n');
    const pushed = await pushTimed(repo, app, u.user.token);
    expect(pushed.code).not.toBe(0);
    expect(pushed.output).toContain('migrating: DYNO=release v3 version two');
    expect(pushed.output).toMatch(/Release v3 was not deployed: The release command failed \(exit code 3\)\. v1 keeps serving\./);
    expect(pushed.output).not.toContain('Starting web.1');
    expect(await body()).toMatchObject({ version: 'one', release: 'v1' });
  });

  it('a release command that runs past the app\'s timeout is stopped and fails the release; its container is gone', async () => {
    const t = await cli('releases:timeout', '3');
    expect(t.code, t.stderr).toBe(0);
    const set = await cli('config:set', 'RELEASE_EXIT=0', 'RELEASE_SLEEP=60');
    expect(set.code).toBe(1);
    expect(set.stderr).toContain('v4 failed: The release command timed out after 3 s and was stopped');
    expect(set.stdout).toContain('migration step 2');
    expect(await body()).toMatchObject({ version: 'one', release: 'v1' });
    const docker = connectDocker('unix:///var/run/docker.sock');
    const left = await waitFor('the task container to be removed', async () => {
      const rows = await docker.listContainers({ all: true, filters: { label: [`gantry.instance=${gantry().instance}`, 'gantry.role=task', `gantry.app=${app}`] } });
      return rows.length === 0 ? 'none' : null;
    }, 20_000);
    expect(left).toBe('none');
  });

  it('a config change during a push builds on the push: the push goes on as the new release and both commands end when it serves', async () => {
    expect((await cli('releases:timeout', '120')).code).toBe(0);
    expect((await cli('config:set', 'RELEASE_SLEEP=6')).code).toBe(0); // v5, deploys the old build
    await writeAndCommit(repo, 'version.txt', 'three\n');
    const pushing = pushTimed(repo, app, u.user.token);
    await waitFor('the push to reach its release phase', async () => (await u.user.client.releases(app)).find((r) => r.version === 6 && r.status === 'releasing'), 120_000, 200);
    const set = await cli('config:set', 'RACE=1');
    const pushed = await pushing;
    expect(set.code, set.stderr).toBe(0);
    expect(set.stderr + set.stdout).toContain('RACE=1 is included in v7, deploying now. It replaces v6, which was still deploying, with the same build.');
    expect(set.stdout).toContain('v7 serves.');
    expect(pushed.code, pushed.output).toBe(0);
    expect(pushed.output).toContain('v6 is replaced by v7 (Set RACE config var), made from this build: deploying v7');
    expect(pushed.output).toContain('Released v7');
    expect(pushed.output).not.toMatch(/v6 failed|Superseded/);
    expect(await release(6)).toMatchObject({ status: 'superseded' });
    expect(await release(7)).toMatchObject({ status: 'succeeded', current: true });
    expect(await body()).toMatchObject({ version: 'three', release: 'v7', race: '1' });
  });

  it('a rollback runs the release command of the release it makes', async () => {
    expect((await cli('config:set', 'RELEASE_SLEEP=0')).code).toBe(0); // v8
    const back = await cli('releases:rollback', 'v1');
    expect(back.code, back.stderr).toBe(0);
    expect(back.stdout).toContain('migrating: DYNO=release v9 version one');
    expect(await body()).toMatchObject({ version: 'one', release: 'v9' });
  });

  it('the dashboard shows a release phase\'s output on the releases and deploys pages', async () => {
    const browser = await launchChromium();
    try {
      const context = await browser.newContext();
      const page = await login(context, u.user, `/apps/${app}/releases`);
      await page.locator('tr[data-version="2"]').click();
      const out = page.getByTestId('release-output');
      await expect.poll(() => out.textContent(), { timeout: 15_000 }).toContain('migration failed with 3');
      expect(await out.textContent()).toContain('The release command failed (exit code 3)');
      await shot(page, 'release-phase');
      await page.goto(`${gantry().apiUrl}/apps/${app}/deploys`);
      await expect.poll(() => page.getByTestId('release-phase').first().textContent(), { timeout: 15_000 }).toContain('migrating: DYNO=release');
    } finally {
      await browser.close();
    }
  });

  it('app.json scripts: Dokku predeploy in the release phase, Dokku postdeploy after every deploy, Heroku postdeploy once', async () => {
    const other = uniqueName('scripts');
    await u.user.client.createApp(other);
    const dir = await repoFromFixture('release-phase');
    const scripts = { postdeploy: 'echo seeded once for $GANTRY_RELEASE', dokku: { predeploy: 'echo predeploy of $GANTRY_RELEASE', postdeploy: { command: 'echo postdeploy of $GANTRY_RELEASE' } } };
    await writeAndCommit(dir, 'app.json', JSON.stringify({ name: 'scripts', stack: 'heroku-24', addons: ['heroku-postgresql'], scripts }));
    const first = await pushTimed(dir, other, u.user.token);
    expect(first.code, first.output).toBe(0);
    const at = (p: typeof first, text: string) => p.lines.findIndex((l) => l.line.includes(text));
    expect(at(first, 'predeploy of v1')).toBeGreaterThan(at(first, 'migration done'));
    expect(at(first, 'Starting web.1')).toBeGreaterThan(at(first, 'predeploy of v1'));
    expect(at(first, 'postdeploy of v1')).toBeGreaterThan(at(first, 'Released v1'));
    expect(at(first, 'seeded once for v1')).toBeGreaterThan(at(first, 'Released v1'));
    const kept = await gantryCli(u.home, ['releases:output', 'v1', '-a', other]);
    expect(kept.stdout).toContain('-----> Running predeploy (app.json scripts.dokku.predeploy): echo predeploy of $GANTRY_RELEASE');

    await writeAndCommit(dir, 'version.txt', 'again\n');
    const second = await pushTimed(dir, other, u.user.token);
    expect(second.code, second.output).toBe(0);
    expect(second.output).toContain('predeploy of v2');
    expect(second.output).toContain('postdeploy of v2');
    expect(second.output).not.toContain('seeded once');
  });

  it('a scheduler that dies during the release phase: another takes the deploy over, the release command does not run twice', async () => {
    expect((await cli('config:set', 'RELEASE_SLEEP=5')).code).toBe(0);
    await writeAndCommit(repo, 'version.txt', 'after-failover\n');
    const pushing = pushTimed(repo, app, u.user.token);
    const releasing = await waitFor('the release phase to run', async () => (await u.user.client.releases(app)).find((r) => r.status === 'releasing'), 120_000, 200);
    const scheduler = await findService(gantry().instance, 'scheduler');
    expect(scheduler, 'the test Gantry runs a scheduler').toBeTruthy();
    process.kill(scheduler!.pid, 'SIGKILL');
    const pushed = await pushing; // the supervisor starts a scheduler again; BullMQ hands it the stalled job
    expect(pushed.code, pushed.output).toBe(0);
    expect(await body()).toMatchObject({ version: 'after-failover', release: `v${releasing.version}` });
    const ran = (await u.user.client.logs(app, 2000, { source: 'release' })).filter((l) => l.line === `migrating: DYNO=release v${releasing.version} version after-failover`);
    expect(ran).toHaveLength(1);
  });
});
