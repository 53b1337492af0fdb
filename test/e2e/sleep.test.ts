/**
 * Sleeping apps end to end: the node-app fixture behind the real router, scheduler and agent
 * (the e2e installation's boot timeout is 30 s, so a wake waits at most 40 s):
 *
 *   napper: ps:sleep --after 1m ─▶ no request for a minute ─▶ asleep (ps, dashboard), 0 instances
 *           12 concurrent requests ─▶ held while it wakes, all 200; awake again
 *   broken: ps:sleep --now, then a release that crashes on boot ─▶ a request waits for the wake,
 *           then gets the 503 page; the app's log says it woke and crashed
 *
 * The two run side by side: the broken app's wake fills the minute the napper idles.
 */
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogLineView } from '@gantry/api-client';
import { ARTIFACTS, launchChromium, login, shot } from './helpers/browser';
import { cliUser, gantryCli, type CliUser } from './helpers/cli';
import { gantry, uniqueName } from './helpers/gantry';
import { push, repoFromFixture } from './helpers/git';
import { appGet, get, waitFor } from './helpers/http';

describe('sleeping apps', () => {
  let u: CliUser;
  const napper = uniqueName('napper');
  const broken = uniqueName('napbroken');
  let sleepSetAt = 0;

  const cli = (...args: string[]) => gantryCli(u.home, args);
  const instances = async (app: string) => (await u.user.client.ps(app)).filter((i) => i.process.startsWith('web.'));
  const web = async (app: string) => (await u.user.client.formation(app)).find((f) => f.type === 'web')!;
  const logs = async (app: string) => JSON.parse((await cli('logs', '-n', '500', '--json', '-a', app)).stdout) as LogLineView[];

  beforeAll(async () => {
    u = await cliUser('sleep');
    const repo = await repoFromFixture('node-app');
    for (const app of [napper, broken]) {
      await u.user.client.createApp(app);
      const pushed = await push(repo, app, u.user.token);
      expect(pushed.code, pushed.output).toBe(0);
    }
    await waitFor('napper to answer', async () => (await appGet(napper)).status === 200);
  }, 300_000);

  afterAll(async () => {
    for (const app of [napper, broken]) await u?.user.client.destroyApp(app, app).catch(() => {});
  });

  it('sets when web sleeps, and refuses what cannot sleep', async () => {
    const set = await cli('ps:sleep', '--after', '1m', '-a', napper);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toContain('web: awake; sleeps after 1m without a request');
    sleepSetAt = Date.now();
    const bad = await cli('ps:sleep', '--after', '10s', '-a', napper);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--after must be between 1m and 30d (got 10s)');
    const worker = await cli('ps:sleep', 'worker', '--after', '5m', '-a', napper);
    expect(worker.code).toBe(1);
    expect(worker.stderr).toContain('Only web can sleep');
    expect((await cli('ps', '-a', napper)).stdout).toContain('web: awake; sleeps after 1m without a request');
  });

  it('answers 503 with a clear page when the woken app never becomes healthy', async () => {
    const slept = await cli('ps:sleep', '--now', '-a', broken);
    expect(slept.code, slept.stderr).toBe(0);
    await waitFor('broken to have no instance', async () => (await instances(broken)).length === 0, 60_000, 500);
    // A release that crashes on boot, deployed while asleep (nothing to start).
    const set = await cli('config:set', 'CRASH_ON_BOOT=1', '-a', broken);
    expect(set.code, set.stderr).toBe(0);
    const started = Date.now();
    const r = await get(gantry().routerPort, `${broken}.${gantry().appsDomain}`, '/', {}, 60_000);
    const waited = Date.now() - started;
    expect(r.status).toBe(503);
    expect(r.body).toContain(`${broken} did not wake up in time`);
    console.log(`[sleep] failed wake answered 503 after ${waited} ms`);
    expect(waited).toBeGreaterThan(30_000);
    const lines = await logs(broken);
    expect(lines.some((l) => l.source === 'gantry' && /^web waking up on a request \(asleep for \d+ s, held by /.test(l.line))).toBe(true);
    expect(lines.some((l) => l.source === 'app' && l.line === 'crashing on boot: CRASH_ON_BOOT=1')).toBe(true);
    expect(lines.some((l) => l.source === 'router' && l.line.includes('code=H20'))).toBe(true);
  }, 120_000);

  it('puts an idle app to sleep: no instance, and ps and the dashboard say so', async () => {
    await waitFor('napper to sleep', async () => (await web(napper)).sleepingSince !== null, 120_000, 1000);
    const idle = Date.now() - sleepSetAt;
    console.log(`[sleep] asleep ${idle} ms after ps:sleep --after 1m`);
    expect(idle).toBeGreaterThanOrEqual(60_000);
    await waitFor('napper to have no instance', async () => (await instances(napper)).length === 0, 60_000, 500);
    const ps = await cli('ps', '-a', napper);
    expect(ps.stdout).toMatch(/^web: sleeping since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC; the next request wakes 1 instance$/m);
    const lines = await logs(napper);
    expect(lines.some((l) => l.source === 'gantry' && /^web is going to sleep: no request for \d+(m|s); the next request wakes it$/.test(l.line))).toBe(true);
    const browser = await launchChromium();
    try {
      const page = await login(await browser.newContext({ viewport: { width: 1280, height: 900 } }), u.user, `/apps/${napper}`);
      const badge = page.getByTestId('sleep-web');
      await badge.waitFor({ timeout: 30_000 });
      expect(await badge.textContent()).toMatch(/^sleeping since /);
      mkdirSync(ARTIFACTS, { recursive: true });
      await shot(page, 'sleeping-app');
    } finally {
      await browser.close();
    }
  }, 240_000);

  it('wakes on a request: concurrent requests during the wake all succeed', async () => {
    const started = Date.now();
    const host = `${napper}.${gantry().appsDomain}`;
    const replies = await Promise.all(Array.from({ length: 12 }, (_, i) => get(gantry().routerPort, host, `/?n=${i}`, {}, 60_000)));
    const took = Date.now() - started;
    console.log(`[sleep] 12 concurrent requests through a wake: all answered within ${took} ms`);
    expect(replies.map((r) => r.status)).toEqual(Array(12).fill(200));
    expect(replies.every((r) => JSON.parse(r.body).version !== undefined)).toBe(true);
    expect((await web(napper)).sleepingSince).toBeNull();
    expect((await instances(napper)).filter((i) => i.state === 'up')).toHaveLength(1);
    expect((await cli('ps', '-a', napper)).stdout).toContain('web: awake; sleeps after 1m without a request');
    // Awake: answered at once from now on.
    expect((await appGet(napper)).status).toBe(200);
  }, 120_000);
});
