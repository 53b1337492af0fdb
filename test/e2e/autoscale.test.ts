/**
 * Autoscaling end to end, on the node-app fixture behind the real router (the e2e installation
 * reads a 30 s window and stabilizes scale-downs for 30 s, GANTRY_AUTOSCALE_*):
 *
 *   autoscale web --min 1 --max 4 --rps 5
 *   steady load under the target (3 req/s)   ─▶ no change
 *   a load step (40 req/s)                   ─▶ 1 -> 2 -> 4, never above max; events, log lines
 *   ps:scale web=3                           ─▶ refused, naming the bounds
 *   the load ends                            ─▶ back down to 1 (the minimum) after stabilization
 */
import { mkdirSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, launchChromium, login, shot } from './helpers/browser';
import { cliUser, gantryCli, type CliUser } from './helpers/cli';
import { gantry, uniqueName } from './helpers/gantry';
import { push, repoFromFixture } from './helpers/git';
import { waitFor } from './helpers/http';

/** GETs / at a steady rate through the router until stopped; counts the answers by status. */
class Load {
  readonly statuses = new Map<number, number>();
  private readonly timer: NodeJS.Timeout;
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 32 });
  constructor(app: string, perSecond: number) {
    this.timer = setInterval(() => {
      const req = request({ host: '127.0.0.1', port: gantry().routerPort, path: '/', headers: { host: `${app}.${gantry().appsDomain}` }, agent: this.agent, timeout: 10_000 }, (res) => {
        res.resume();
        res.on('end', () => this.statuses.set(res.statusCode ?? 0, (this.statuses.get(res.statusCode ?? 0) ?? 0) + 1));
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => this.statuses.set(0, (this.statuses.get(0) ?? 0) + 1));
      req.end();
    }, 1000 / perSecond);
  }
  stop(): void {
    clearInterval(this.timer);
    this.agent.destroy();
  }
}

describe('autoscaling on load', () => {
  let u: CliUser;
  const app = uniqueName('scaled');

  const webUp = async () => (await u.user.client.ps(app)).filter((i) => i.process.startsWith('web.') && i.state === 'up').length;
  const quantity = async () => (await u.user.client.autoscale(app)).find((r) => r.type === 'web')!.quantity;

  beforeAll(async () => {
    u = await cliUser('autoscale');
    await u.user.client.createApp(app);
    const pushed = await push(await repoFromFixture('node-app'), app, u.user.token);
    expect(pushed.code, pushed.output).toBe(0);
  }, 240_000);

  afterAll(async () => {
    await u?.user.client.destroyApp(app, app).catch(() => {});
  });

  it('keeps the count under steady load below the target', async () => {
    const set = await gantryCli(u.home, ['autoscale', 'web', '--min', '1', '--max', '4', '--rps', '5', '-a', app]);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stderr).toContain(`Autoscaling web of ${app}: 1-4 on 5 req/s per instance (now 1 instance(s))`);
    const load = new Load(app, 3);
    await new Promise((r) => setTimeout(r, 45_000));
    load.stop();
    expect(await u.user.client.autoscaleEvents(app)).toEqual([]);
    expect(await quantity()).toBe(1);
  }, 120_000);

  it('scales up on a load step, never above the maximum, and refuses ps:scale meanwhile', async () => {
    const load = new Load(app, 40);
    try {
      await waitFor('web at 4 instances, all up', async () => (await quantity()) === 4 && (await webUp()) === 4, 150_000, 1000);
      const events = await u.user.client.autoscaleEvents(app);
      expect(events.map((e) => [e.from, e.to]).reverse()).toEqual([
        [1, 2],
        [2, 4],
      ]);
      expect(events[0]!.reason).toMatch(/req\/s per instance > 5 req\/s per instance over 30 s$/);
      const refused = await gantryCli(u.home, ['ps:scale', 'web=3', '-a', app]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('Autoscaling is on for web (1-4 on 5 req/s per instance)');
      // The dashboard draws the instances beside the metric and its target.
      const browser = await launchChromium();
      try {
        const page = await login(await browser.newContext({ viewport: { width: 1280, height: 1400 } }), u.user, `/apps/${app}/metrics`);
        const box = page.getByTestId('autoscale-web');
        await box.waitFor({ timeout: 30_000 });
        expect(await box.getAttribute('data-quantity')).toBe('4');
        await page.getByTestId('chart-autoscale-metric-web').waitFor();
        expect(await page.getByTestId('chart-autoscale-web').textContent()).toContain('web: instances (1-4)');
        mkdirSync(ARTIFACTS, { recursive: true });
        await shot(page, 'autoscale');
      } finally {
        await browser.close();
      }
      // Still loaded: it stays at the maximum.
      await new Promise((r) => setTimeout(r, 15_000));
      expect(await quantity()).toBe(4);
    } finally {
      load.stop();
    }
    const failed = [...load.statuses].filter(([status]) => status !== 200);
    expect(failed, 'requests not answered 200 while scaling up').toEqual([]);
    const logs = await gantryCli(u.home, ['logs', '--source', 'autoscale', '-n', '20', '-a', app]);
    expect(logs.stdout).toMatch(/autoscale\[autoscaler\]: web 1 -> 2: \d+(\.\d)? req\/s per instance > 5 req\/s per instance over 30 s/);
  }, 240_000);

  it('scales back down to the minimum once the load has ended, after the stabilization window', async () => {
    await waitFor('web back at 1 instance', async () => (await quantity()) === 1 && (await webUp()) === 1, 180_000, 1000);
    const events = await u.user.client.autoscaleEvents(app);
    expect(events[0]).toMatchObject({ to: 1 });
    expect(events.every((e) => e.to >= 1 && e.to <= 4)).toBe(true);
    const shown = await gantryCli(u.home, ['autoscale:events', '-a', app]);
    expect(shown.stdout).toContain('4 -> 2');
  }, 240_000);
});
