/**
 * MetricsStore against the shared Redis (unique GANTRY_INSTANCE prefix): two routers adding into
 * the same bucket, agents' samples, the window summary, expiry.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { METRICS_BUCKET_MS, MetricsStore, bucketOf, connectRedis, countRequest, keysFor, newCounters, type InstanceSample } from '@gantry/live';
import { RouterMetrics } from '../../apps/router/src/metrics';

const instance = `mt-${randomBytes(4).toString('hex')}`;
const keys = keysFor(instance);
const redis = connectRedis('redis://127.0.0.1:6379/0', `${instance}-test`);
const store = new MetricsStore(redis, keys);

afterAll(async () => {
  const found = await redis.keys(`${keys.prefix}*`);
  if (found.length) await redis.del(...found);
  redis.disconnect();
});

describe('MetricsStore', () => {
  it('merges the counts of several routers into one bucket and summarizes the window', async () => {
    const now = Date.now();
    const bucket = bucketOf(now);
    const a = newCounters();
    const b = newCounters();
    for (let i = 0; i < 90; i++) countRequest(a, 200, 3);
    for (let i = 0; i < 10; i++) countRequest(b, 503, 800);
    await store.addRouter(bucket, new Map([['app1', a]]));
    await store.addRouter(bucket, new Map([['app1', b]]));
    // A second router process flushing through the real collector.
    const r = new RouterMetrics(store, { flushMs: 2000, now: () => now });
    r.record('app1', 404, 1);
    await r.flush();

    const m = await store.appMetrics('app1', 60_000, now);
    expect(m.series).toHaveLength(6);
    expect(m.router).toMatchObject({ requests: 101, status: { '2xx': 90, '3xx': 0, '4xx': 1, '5xx': 10 } });
    expect(m.router.p50).toBeGreaterThan(2);
    expect(m.router.p50).toBeLessThanOrEqual(3);
    expect(m.router.p95).toBeGreaterThan(700);
    expect(m.router.p99).toBeLessThanOrEqual(1000);
    const ttl = await redis.ttl(store.routerKey('app1', bucket));
    expect(ttl).toBeGreaterThan(24 * 3600 - 60);
    expect(ttl).toBeLessThanOrEqual(24 * 3600 + 10);
    expect((await store.appMetrics('app2', 60_000, now)).router.requests).toBe(0);
  });

  it('keeps the latest sample per instance and sums usage per bucket', async () => {
    const now = Date.now();
    const s = (allocId: string, cpu: number, mem: number, at = now): InstanceSample => ({ allocId, appId: 'app3', process: `web.${allocId}`, cpuPercent: cpu, memUsed: mem, memLimit: 512e6, restarts: 0, startedAt: now - 5000, at });
    await store.putSamples([s('1', 10, 100e6), s('2', 5, 50e6)]);
    await store.putSamples([s('1', 20, 120e6)]); // sampled again in the same bucket: replaces
    const m = await store.appMetrics('app3', 10_000, now);
    expect(m.instances.map((i) => [i.process, i.cpuPercent])).toEqual([['web.1', 20], ['web.2', 5]]);
    expect(m.series.at(-1)!.usage).toEqual({ at: bucketOf(now), cpuPercent: 25, memUsed: 170e6, instances: 2 });
    expect([...(await store.instanceSamples('app3', now, ['2', 'nope'])).keys()]).toEqual(['2']);
    // Stale samples are not current usage; dropped ones are gone.
    expect((await store.instanceSamples('app3', now + 2 * 60_000)).size).toBe(0);
    await store.dropSamples([{ appId: 'app3', allocId: '1' }]);
    expect([...(await store.instanceSamples('app3', now)).keys()]).toEqual(['2']);
    expect(METRICS_BUCKET_MS).toBe(10_000);
  });
});
