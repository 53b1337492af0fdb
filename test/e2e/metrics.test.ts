/**
 * Metrics end to end: requests through the real router land in the app's 10 s buckets (count,
 * status classes, latency percentiles), the agent samples the instance's CPU and memory, and the
 * real CLI shows both (`gantry metrics --json`, `gantry ps --json`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppMetricsView, InstanceView } from '@gantry/api-client';
import { cliHome, gantryCli } from './helpers/cli';
import { gantry, newUser, uniqueName, type TestUser } from './helpers/gantry';
import { push, repoFromFixture } from './helpers/git';
import { appGet, get, waitFor } from './helpers/http';

describe('metrics', () => {
  let owner: TestUser;
  let app: string;
  let home: string;
  const cli = async (...args: string[]) => {
    const r = await gantryCli(home, [...args, '-a', app]);
    expect(r.code, r.stderr).toBe(0);
    return r.stdout;
  };

  beforeAll(async () => {
    owner = await newUser('metrics');
    app = uniqueName('metrics');
    await owner.client.createApp(app);
    expect((await push(await repoFromFixture('dockerfile-app'), app, owner.token)).code).toBe(0);
    home = cliHome();
    const login = await gantryCli(home, ['login', '--api', gantry().apiUrl, '--email', owner.email, '--password', owner.password]);
    expect(login.code, login.stderr).toBe(0);
  });

  afterAll(async () => {
    await owner?.client.destroyApp(app).catch(() => {});
  });

  it('counts requests through the router: total, status classes, percentiles', async () => {
    await waitFor('the app to answer', async () => (await appGet(app)).status === 200);
    const before = (await owner.client.metrics(app, 600)).router.requests;
    for (let i = 0; i < 20; i++) expect((await appGet(app, `/n/${i}`)).status).toBe(200);
    // A declared body over the router's limit: 413 from the router, counted as the app's 4xx.
    await get(gantry().routerPort, `${app}.${gantry().appsDomain}`, '/upload', { 'content-length': String(1024 * 1024 * 1024) }).catch(() => null);

    const m = await waitFor('the requests in the metrics', async () => {
      const out = JSON.parse(await cli('metrics', '--window', '10m', '--json')) as AppMetricsView;
      return out.router.requests >= before + 21 && out.router.status['4xx'] >= 1 ? out : null;
    }, 30_000, 500);
    expect(m.app).toBe(app);
    expect(m.window).toBe(600);
    expect(m.router.status['2xx']).toBeGreaterThanOrEqual(20);
    expect(m.router.status['5xx']).toBe(0);
    expect(m.router.rps).toBeGreaterThan(0);
    for (const p of [m.router.p50, m.router.p95, m.router.p99]) {
      expect(p).not.toBeNull();
      expect(p!).toBeGreaterThan(0);
    }
    expect(m.router.p50!).toBeLessThanOrEqual(m.router.p95!);
    expect(m.router.p95!).toBeLessThanOrEqual(m.router.p99!);
    expect(m.series).toHaveLength(60);
    expect(m.series.reduce((n, b) => n + b.requests, 0)).toBe(m.router.requests);

    const text = await cli('metrics');
    expect(text).toMatch(/Requests:\s+\d+ \([\d.]+ req\/s\)/);
    expect(text).toMatch(/Latency:\s+p50 .+ p95 .+ p99 /);
    expect(text).toMatch(/Status:\s+2xx \d+\s+3xx 0\s+4xx \d+\s+5xx 0/);
  });

  it('shows CPU, memory and uptime of the instance (gantry ps, gantry metrics)', async () => {
    const web = await waitFor('a usage sample of web.1', async () => {
      const ps = JSON.parse(await cli('ps', '--json')) as InstanceView[];
      const w = ps.find((i) => i.process === 'web.1' && i.state === 'up');
      return w && typeof w.cpuPercent === 'number' && w.memUsed !== undefined ? w : null;
    }, 60_000, 1000);
    expect(web.cpuPercent!).toBeGreaterThanOrEqual(0);
    expect(web.memUsed!).toBeGreaterThan(0);
    expect(web.memLimit!).toBeGreaterThanOrEqual(web.memUsed!);
    expect(web.uptime!).toBeGreaterThanOrEqual(0);

    const table = await cli('ps');
    expect(table).toMatch(/Uptime\s+CPU\s+Memory/);
    expect(table).toMatch(/web\.1 .*\d+(\.\d)?%\s+[\d.]+ [KMG]B \/ [\d.]+ [KMG]B/);

    const m = JSON.parse(await cli('metrics', '--json')) as AppMetricsView;
    expect(m.instances.map((i) => i.process)).toEqual(['web.1']);
    expect(m.instances[0]).toMatchObject({ restarts: 0 });
    expect(m.series.some((b) => b.memUsed > 0)).toBe(true);

    // The same stats round is the host's usage in its heartbeat (admins see it per host).
    const admin = await newUser('metrics-admin', { admin: true });
    const usage = await waitFor(`usage of host ${web.host}`, async () => (await admin.client.hosts()).find((h) => h.name === web.host && h.usage && h.usage.containers > 0)?.usage ?? null, 30_000, 1000);
    expect(usage.memoryBytes).toBeGreaterThan(0);
    expect(usage.cpuPercent).toBeGreaterThanOrEqual(0);
  });

  it('refuses a bad window and other users', async () => {
    const bad = await gantryCli(home, ['metrics', '--window', '2d', '-a', app]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/Invalid window/);
    const stranger = await newUser('metrics-other');
    await expect(stranger.client.metrics(app)).rejects.toMatchObject({ status: 403 });
    await expect(owner.client.metrics(app, 5)).rejects.toMatchObject({ status: 422 });
  });
});
