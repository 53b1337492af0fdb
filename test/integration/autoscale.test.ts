/**
 * Autoscaling against a real Postgres (a fresh database) and Redis: the policies' use cases
 * (validation, ps:scale refused while on), and the scheduler's Autoscaler reading router buckets
 * and CPU samples written by the real MetricsStore: up at once, down only after stabilization,
 * nothing on missing data, each change an event row, a log line (source autoscale) and a wake.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@gantry/config';
import { autoscaleEvents, createApp, createRelease, disableAutoscale, listAutoscale, setAutoscale, updateFormation, type Actor, type Ctx } from '@gantry/control';
import { Conflict, InvalidInput } from '@gantry/core';
import { connectDb, type Db } from '@gantry/db';
import { AllocationStore, AppLogs, MetricsStore, bucketOf, connectRedis, countRequest, keysFor, newCounters, METRICS_BUCKET_MS } from '@gantry/live';
import { createLogger } from '@gantry/log';
import { Autoscaler } from '../../apps/scheduler/src/autoscale';
import { migratedDatabase } from './helpers/scratch-db';
import { tearDown, testOwner } from './helpers/use-case-setup';

const config = loadConfig(process.env);
const keys = keysFor(`itas${randomBytes(3).toString('hex')}`);
const redis = connectRedis(config.REDIS_URL, 'it-autoscale');

describe('autoscaling', () => {
  let db: Db;
  let ctx: Ctx;
  let owner: Actor;
  const wakes: string[] = [];
  const metrics = new MetricsStore(redis, keys);
  const logs = new AppLogs(redis, keys.prefix, 1000);
  const allocs = new AllocationStore(redis, keys);
  const scaler = (stabilizationMs = 300_000) =>
    new Autoscaler({ ctx, metrics, allocs, logs, redis, keys, log: createLogger('test', 'error'), windowMs: 60_000, stabilizationMs });

  /** Router counters for the six completed buckets before `now`: `perBucket` requests of `ms` each. */
  async function traffic(appId: string, now: number, perBucket: number, ms: number): Promise<void> {
    for (let i = 1; i <= 6; i++) {
      const c = newCounters();
      for (let n = 0; n < perBucket; n++) countRequest(c, 200, ms);
      await metrics.addRouter(bucketOf(now) - i * METRICS_BUCKET_MS, new Map([[appId, c]]));
    }
  }

  async function webApp(web = 2) {
    const app = await createApp(ctx, owner, {});
    await createRelease(ctx, { appId: app.id, description: 'Deploy', imageRef: 'img:1', config: {}, processTypes: { web: 'serve', worker: 'work' }, healthChecks: {} });
    await db.formationEntry.update({ where: { appId_type: { appId: app.id, type: 'web' } }, data: { quantity: web } });
    return app;
  }
  const err = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => e as Error);
  const quantity = async (appId: string, type = 'web') => (await db.formationEntry.findUniqueOrThrow({ where: { appId_type: { appId, type } } })).quantity;

  beforeAll(async () => {
    db = connectDb(await migratedDatabase('gantry_it_autoscale'), { max: 4 });
    ctx = { db, queues: { add: async () => '' }, imageRepoPrefix: 'gantry-itas', live: { wake: async (appId, why) => void wakes.push(`${appId} ${why}`), hostChanged: async () => {} } };
    owner = await testOwner(ctx, 'as-owner@example.test');
  });

  afterAll(() => tearDown(redis, keys.prefix, db));

  it('sets a policy, refuses bad ones with the reason, and refuses ps:scale of an autoscaled type', async () => {
    const app = await webApp();
    const set = await setAutoscale(ctx, owner, app.name, 'web', { min: 1, max: 8, metric: 'p95', target: 300 });
    expect(set).toEqual({ type: 'web', quantity: 2, policy: { min: 1, max: 8, metric: 'p95', target: 300 } });
    expect(wakes.at(-1)).toContain(`${app.id} autoscaling of web set by as-owner@example.test`);
    expect((await err(setAutoscale(ctx, owner, app.name, 'worker', { min: 1, max: 4, metric: 'p95', target: 300 })))!.message).toBe(
      'worker serves no traffic, so it has no response time to follow: autoscale it on --cpu.',
    );
    expect(await err(setAutoscale(ctx, owner, app.name, 'worker', { min: 1, max: 4, metric: 'cpu', target: 70 }))).toBeNull();
    const bad = await err(setAutoscale(ctx, owner, app.name, 'web', { min: 5, max: 2, metric: 'rps', target: -1 }));
    expect(bad).toBeInstanceOf(InvalidInput);
    expect(bad!.message).toBe('Invalid autoscaling policy for web: --min (5) cannot be above --max (2); the target must be a number above 0.');
    expect((await err(setAutoscale(ctx, owner, app.name, 'clock', { min: 1, max: 2, metric: 'cpu', target: 50 })))!.message).toContain('No process type clock');

    const scale = await err(updateFormation(ctx, owner, app.name, { web: { quantity: 5 } }));
    expect(scale).toBeInstanceOf(Conflict);
    expect(scale!.message).toBe(`Autoscaling is on for web (1-8 on p95 300 ms): the autoscaler sets the count. Change its bounds with gantry autoscale web --min N --max N -a ${app.name}, or turn it off with gantry autoscale:disable web -a ${app.name}.`);
    // Sizes still change by hand.
    expect(await err(updateFormation(ctx, owner, app.name, { web: { size: 'standard-2x' } }))).toBeNull();
    expect((await listAutoscale(ctx, owner, app.name)).map((v) => [v.type, v.policy?.metric ?? null])).toEqual([
      ['web', 'p95'],
      ['worker', 'cpu'],
    ]);
    await disableAutoscale(ctx, owner, app.name, 'web');
    expect(await err(updateFormation(ctx, owner, app.name, { web: { quantity: 3 } }))).toBeNull();
    expect((await err(disableAutoscale(ctx, owner, app.name, 'web')))!.message).toBe(`web of ${app.name} is not autoscaled.`);
  });

  it('scales up at once on the router measurements, with an event, a log line and a wake', async () => {
    const app = await webApp(2);
    await setAutoscale(ctx, owner, app.name, 'web', { min: 1, max: 8, metric: 'p95', target: 300 });
    const now = Date.now();
    await traffic(app.id, now, 50, 640);
    const out = await scaler().tick(now);
    expect(out.find((o) => o.app === app.name)).toMatchObject({ type: 'web', from: 2, to: 4 });
    expect(await quantity(app.id)).toBe(4);
    const [event] = await autoscaleEvents(ctx, owner, app.name);
    expect(event).toMatchObject({ type: 'web', from: 2, to: 4, metric: 'p95', target: 300 });
    expect(event!.reason).toMatch(/^p95 \d+ ms > 300 ms over 60 s$/);
    const lines = await logs.recent(app.id, 10);
    expect(lines.map((l) => [l.source, l.process, l.line])).toContainEqual(['autoscale', 'autoscaler', `web 2 -> 4: ${event!.reason}`]);
    expect(wakes).toContain(`${app.id} autoscaled web 2 -> 4`);
    // No decision while an instance of the type is still starting, whatever the buckets say.
    await allocs.put({ id: `as-${app.id}`, appId: app.id, releaseId: 'r', type: 'web', index: 5, hostId: 'h', resources: { memoryBytes: 512 << 20, cpuShares: 1024 }, desired: 'run', routed: true, createdAt: now, report: { chosen: 'h', evaluated: 1, rejections: [], rejectedBy: {}, top: [], summary: 'placed on h' } });
    await traffic(app.id, now + 200_000, 50, 640);
    expect((await scaler().tick(now + 200_000)).filter((o) => o.app === app.name)).toEqual([]);
    await allocs.remove({ id: `as-${app.id}`, appId: app.id });
    expect((await scaler().tick(now + 200_000)).find((o) => o.app === app.name)).toMatchObject({ from: 4, to: 8 });
  });

  it('scales down only after the stabilization window, and never on missing data', async () => {
    const app = await webApp(4);
    await setAutoscale(ctx, owner, app.name, 'web', { min: 1, max: 8, metric: 'rps', target: 10 });
    const now = Date.now();
    await traffic(app.id, now, 400, 5); // 40 req/s: 10 per instance, on target
    expect((await scaler().tick(now)).filter((o) => o.app === app.name)).toEqual([]);
    // The load ends: 0 req/s. Recommended 1, but 4 was recommended a moment ago: held.
    const later = now + 70_000;
    expect((await scaler().tick(later)).filter((o) => o.app === app.name)).toEqual([]);
    expect(await quantity(app.id)).toBe(4);
    // Without a stabilization window the same pass halves it.
    expect((await scaler(0).tick(later)).find((o) => o.app === app.name)).toMatchObject({ from: 4, to: 2 });

    // CPU of a worker without any sample: no data, no change (a count below min would go up at once).
    await db.formationEntry.update({ where: { appId_type: { appId: app.id, type: 'worker' } }, data: { quantity: 2 } });
    await setAutoscale(ctx, owner, app.name, 'worker', { min: 1, max: 4, metric: 'cpu', target: 50 });
    expect((await scaler(0).tick(later)).filter((o) => o.app === app.name && o.type === 'worker')).toEqual([]);
  });
});
