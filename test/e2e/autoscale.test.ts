/**
 * Autoscaling end to end on the response time of an app that saturates: the saturating-app
 * fixture serves one request at a time, 25 ms each, so one instance answers about 40 req/s and
 * its queue (and p95) grows without bound above that, on any machine. An open-loop load through
 * the real router (requests sent at a rate whatever the answers take, as users arrive); the e2e
 * installation reads a 30 s window and stabilizes scale-downs for 30 s (GANTRY_AUTOSCALE_*):
 *
 *   autoscale web --min 1 --max 4 --p95 250ms
 *   steady load under one instance's capacity (10 req/s)  ─▶ no change, p95 near the service time
 *   a load step to 120 req/s (3 instances' worth)         ─▶ 1 -> 2 -> 4, never above max; events,
 *                                                            log lines, dashboard; then served again
 *                                                            under the target, by every instance
 *   ps:scale web=3                                        ─▶ refused, naming the bounds
 *   the load ends                                         ─▶ back down to 1 after stabilization
 */
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenLoad } from '../../scripts/bench/open-load';
import { windowP95 } from '../../scripts/bench/latency';
import { ARTIFACTS, launchChromium, login, shot } from './helpers/browser';
import { cliUser, gantryCli, type CliUser } from './helpers/cli';
import { gantry, uniqueName } from './helpers/gantry';
import { push, repoFromFixture } from './helpers/git';
import { waitFor } from './helpers/http';

const TARGET_MS = 250;
const MAX = 4;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('autoscaling a saturating app on its p95', () => {
  let u: CliUser;
  const app = uniqueName('scaled');
  const load = (perSecond: number) => new OpenLoad({ port: gantry().routerPort, host: `${app}.${gantry().appsDomain}`, timeoutMs: 10_000 }, perSecond);

  const webUp = async () => (await u.user.client.ps(app)).filter((i) => i.process.startsWith('web.') && i.state === 'up').length;
  const quantity = async () => (await u.user.client.autoscale(app)).find((r) => r.type === 'web')!.quantity;

  beforeAll(async () => {
    u = await cliUser('autoscale');
    await u.user.client.createApp(app);
    const pushed = await push(await repoFromFixture('saturating-app'), app, u.user.token);
    expect(pushed.code, pushed.output).toBe(0);
  }, 240_000);

  afterAll(async () => {
    await u?.user.client.destroyApp(app, app).catch(() => {});
  });

  it('keeps one instance under a steady load below its capacity', async () => {
    const set = await gantryCli(u.home, ['autoscale', 'web', '--min', '1', '--max', String(MAX), '--p95', `${TARGET_MS}ms`, '-a', app]);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stderr).toContain(`Autoscaling web of ${app}: 1-${MAX} on p95 ${TARGET_MS} ms (now 1 instance(s))`);
    // 10 req/s, a quarter of the instance's capacity, over three autoscaler ticks.
    const steady = load(10);
    await sleep(30_000);
    const samples = await steady.stop();
    expect(samples.filter((s) => !s.ok), 'requests not answered 200 under a steady load').toEqual([]);
    expect(windowP95(samples, 0, Infinity)!, 'p95 under a steady load').toBeLessThan(100);
    expect(await u.user.client.autoscaleEvents(app)).toEqual([]);
    expect(await quantity()).toBe(1);
  }, 120_000);

  it('scales up on a load step that saturates one instance, never above the maximum, refuses ps:scale, and serves it again', async () => {
    // 120 req/s: three instances' worth, so one (then two) saturate and their queues grow.
    const step = load(120);
    const counts: number[] = [];
    const watch = setInterval(() => void quantity().then((q) => counts.push(q), () => {}), 1000);
    try {
      await waitFor(`web at ${MAX} instances, all up`, async () => (await quantity()) === MAX && (await webUp()) === MAX, 150_000, 1000);
      const events = await u.user.client.autoscaleEvents(app);
      expect(events.map((e) => [e.from, e.to]).reverse()).toEqual([
        [1, 2],
        [2, 4],
      ]);
      expect(events[1]!.reason).toMatch(new RegExp(`^p95 \\d+ ms > ${TARGET_MS} ms over 30 s$`));
      expect(events[1]!.observed).toBeGreaterThan(TARGET_MS);
      const refused = await gantryCli(u.home, ['ps:scale', 'web=3', '-a', app]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(`Autoscaling is on for web (1-${MAX} on p95 ${TARGET_MS} ms)`);
      // The dashboard draws the instances beside the metric and its target.
      const browser = await launchChromium();
      try {
        const page = await login(await browser.newContext({ viewport: { width: 1280, height: 1400 } }), u.user, `/apps/${app}/metrics`);
        const box = page.getByTestId('autoscale-web');
        await box.waitFor({ timeout: 30_000 });
        expect(await box.getAttribute('data-quantity')).toBe(String(MAX));
        await page.getByTestId('chart-autoscale-metric-web').waitFor();
        expect(await page.getByTestId('chart-autoscale-web').textContent()).toContain(`web: instances (1-${MAX})`);
        mkdirSync(ARTIFACTS, { recursive: true });
        await shot(page, 'autoscale');
      } finally {
        await browser.close();
      }
      // Four instances serve the step again: the queues drain, and then a window of requests is
      // all 200, under the target, and spread over every instance (the router's least-outstanding).
      await waitFor(
        'the step served under the target by every instance',
        async () => {
          const now = performance.now();
          const recent = step.samples.filter((s) => s.at >= now - 15_000 && s.at < now - 10_000);
          return recent.length > 400 && recent.every((s) => s.ok) && windowP95(recent, 0, Infinity)! < TARGET_MS && new Set(recent.map((s) => s.dyno)).size === MAX;
        },
        60_000,
        1000,
      );
    } finally {
      clearInterval(watch);
      await step.stop();
    }
    expect(Math.max(...counts), 'instances at most').toBe(MAX);
    // It did saturate: before the new instances came, requests waited far beyond the target.
    expect(windowP95(step.samples, 0, Infinity)!).toBeGreaterThan(TARGET_MS * 4);
    const logs = await gantryCli(u.home, ['logs', '--source', 'autoscale', '-n', '20', '-a', app]);
    expect(logs.stdout).toMatch(new RegExp(`autoscale\\[autoscaler\\]: web 1 -> 2: p95 \\d+ ms > ${TARGET_MS} ms over 30 s`));
  }, 240_000);

  it('scales back down to the minimum once the load has ended, after the stabilization window', async () => {
    await waitFor('web back at 1 instance', async () => (await quantity()) === 1 && (await webUp()) === 1, 180_000, 1000);
    const events = await u.user.client.autoscaleEvents(app);
    expect(events[0]).toMatchObject({ to: 1 });
    expect(events.every((e) => e.to >= 1 && e.to <= MAX)).toBe(true);
    // Down from the maximum, by at most half a step (how far depends on what was still recommended
    // as the load tailed off: 4 -> 2 or 4 -> 3), to the minimum, each change with its reason.
    const downs = events.filter((e) => e.to < e.from).reverse();
    expect(downs[0]).toMatchObject({ from: MAX });
    expect(downs.every((e) => e.to >= Math.ceil(e.from / 2))).toBe(true);
    expect(downs.at(-1)).toMatchObject({ to: 1 });
    const shown = await gantryCli(u.home, ['autoscale:events', '-a', app]);
    expect(shown.stdout).toMatch(new RegExp(`web +${MAX} -> [23] +p95 \\d+ ms < ${TARGET_MS} ms over 30 s`));
  }, 240_000);
});
