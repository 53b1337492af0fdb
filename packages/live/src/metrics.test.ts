import { describe, expect, it } from 'vitest';
import {
  C_HIST,
  C_LATENCY_SUM,
  C_REQUESTS,
  C_STATUS,
  LATENCY_BINS,
  LATENCY_BOUNDS_MS,
  METRICS_BUCKETS,
  bucketFromHash,
  bucketOf,
  countRequest,
  countersToFields,
  cpuPercentBetween,
  emptyBucket,
  latencyBin,
  newCounters,
  percentile,
  summarizeRouter,
  usageFromHash,
  windowBuckets,
} from './metrics';

describe('latency histogram', () => {
  it.each([
    [0, 0],
    [0.2, 0],
    [1, 0],
    [1.01, 1],
    [4, 4], // (3, 5]
    [100, 12],
    [100.5, 13],
    [60_000, LATENCY_BOUNDS_MS.length - 1],
    [60_001, LATENCY_BOUNDS_MS.length],
    [1e9, LATENCY_BOUNDS_MS.length],
  ])('puts %f ms in bin %i', (ms, bin) => {
    expect(latencyBin(ms)).toBe(bin);
  });

  it('has increasing bounds from 1 ms to 60 s and one overflow bin', () => {
    expect(LATENCY_BOUNDS_MS[0]).toBe(1);
    expect(LATENCY_BOUNDS_MS.at(-1)).toBe(60_000);
    expect([...LATENCY_BOUNDS_MS].sort((a, b) => a - b)).toEqual(LATENCY_BOUNDS_MS);
    expect(LATENCY_BINS).toBe(LATENCY_BOUNDS_MS.length + 1);
  });

  it('counts requests, status classes, latency sum and bin', () => {
    const c = newCounters();
    countRequest(c, 200, 4);
    countRequest(c, 204, 12);
    countRequest(c, 301, 1);
    countRequest(c, 404, 2);
    countRequest(c, 503, 30_000);
    countRequest(c, 101, 1); // counted, but in no class
    expect(c[C_REQUESTS]).toBe(6);
    expect([...c.slice(C_STATUS, C_STATUS + 4)]).toEqual([2, 1, 1, 1]);
    expect(c[C_LATENCY_SUM]).toBe(30_020);
    expect(c[C_HIST + latencyBin(4)]).toBe(1);
    expect(c[C_HIST + 0]).toBe(2);
  });

  it('round-trips counters through hash fields (several routers add up)', () => {
    const a = newCounters();
    countRequest(a, 200, 4);
    countRequest(a, 500, 250);
    const hash: Record<string, string> = {};
    for (const routerFields of [countersToFields(a), countersToFields(a)]) for (const [f, n] of routerFields) hash[f] = String(Number(hash[f] ?? 0) + n);
    const b = bucketFromHash(10_000, hash);
    expect(b.requests).toBe(4);
    expect(b.status).toEqual({ '2xx': 2, '3xx': 0, '4xx': 0, '5xx': 2 });
    expect(b.latencySumMs).toBe(508);
    expect(b.histogram[latencyBin(250)]).toBe(2);
    expect(b.histogram.reduce((x, y) => x + y, 0)).toBe(4);
    expect(countersToFields(newCounters())).toEqual([]);
  });
});

describe('percentiles', () => {
  const hist = (entries: [number, number][]) => {
    const h = new Array<number>(LATENCY_BINS).fill(0);
    for (const [ms, n] of entries) h[latencyBin(ms)]! += n;
    return h;
  };

  it('is null without requests', () => {
    expect(percentile(hist([]), 0.5)).toBeNull();
  });

  it('interpolates inside the bin', () => {
    // 100 requests in (10, 15]: p50 half way, p99 near the top.
    const h = hist([[12, 100]]);
    expect(percentile(h, 0.5)).toBe(12.5);
    expect(percentile(h, 0.99)).toBe(14.95);
  });

  it('finds the tail across bins', () => {
    const h = hist([
      [3, 90], // (2, 3]
      [400, 9], // (300, 500]
      [2500, 1], // (2000, 3000]
    ]);
    expect(percentile(h, 0.5)).toBeGreaterThan(2);
    expect(percentile(h, 0.5)).toBeLessThanOrEqual(3);
    const p95 = percentile(h, 0.95)!;
    expect(p95).toBeGreaterThan(300);
    expect(p95).toBeLessThanOrEqual(500);
    expect(percentile(h, 0.995)).toBeGreaterThan(2000);
  });

  it('answers the last bound for the overflow bin', () => {
    expect(percentile(hist([[90_000, 5]]), 0.99)).toBe(60_000);
  });

  it('summarizes a window: totals, classes, req/s and merged percentiles', () => {
    const a = emptyBucket(0);
    a.requests = 10;
    a.status['2xx'] = 9;
    a.status['5xx'] = 1;
    a.latencySumMs = 100;
    a.histogram[latencyBin(10)] = 10;
    const b = emptyBucket(10_000);
    b.requests = 10;
    b.status['4xx'] = 10;
    b.latencySumMs = 1000;
    b.histogram[latencyBin(100)] = 10;
    const s = summarizeRouter([a, b], 20_000);
    expect(s).toMatchObject({ requests: 20, rps: 1, status: { '2xx': 9, '3xx': 0, '4xx': 10, '5xx': 1 }, mean: 55 });
    expect(s.p50).toBeLessThanOrEqual(10);
    expect(s.p95).toBeGreaterThan(70);
    expect(s.p99).toBeLessThanOrEqual(100);
  });
});

describe('buckets', () => {
  it('names a bucket by its start', () => {
    expect(bucketOf(1_700_000_012_345)).toBe(1_700_000_010_000);
    expect(bucketOf(1_700_000_010_000)).toBe(1_700_000_010_000);
  });

  it('lists the window oldest first, ending with the current bucket', () => {
    const now = 1_700_000_012_345;
    expect(windowBuckets(now, 30_000)).toEqual([1_699_999_990_000, 1_700_000_000_000, 1_700_000_010_000]);
    expect(windowBuckets(now, 1)).toEqual([1_700_000_010_000]);
    expect(windowBuckets(now, 7 * 24 * 3600_000)).toHaveLength(METRICS_BUCKETS);
    expect(METRICS_BUCKETS).toBe(8640);
  });

  it('sums usage per bucket, one field per instance', () => {
    expect(usageFromHash(0, { 'cpu:a': '12.5', 'mem:a': '1000', 'cpu:b': '2.25', 'mem:b': '500' })).toEqual({ at: 0, cpuPercent: 14.75, memUsed: 1500, instances: 2 });
  });
});

describe('CPU %', () => {
  it('is cpu delta / system delta × CPUs × 100', () => {
    // 0.5 s of CPU while the system counted 2 s (over 2 CPUs): 25% of the host = 50% of one CPU.
    expect(cpuPercentBetween({ cpuNs: 1e9, systemNs: 10e9 }, { cpuNs: 1.5e9, systemNs: 12e9, cpus: 2 })).toBe(50);
    expect(cpuPercentBetween({ cpuNs: 0, systemNs: 0 }, { cpuNs: 4e9, systemNs: 4e9, cpus: 4 })).toBe(400);
  });

  it('is null without a previous reading or when the counters went back', () => {
    expect(cpuPercentBetween(undefined, { cpuNs: 1, systemNs: 1, cpus: 1 })).toBeNull();
    expect(cpuPercentBetween({ cpuNs: 5, systemNs: 10 }, { cpuNs: 6, systemNs: 10, cpus: 1 })).toBeNull();
    expect(cpuPercentBetween({ cpuNs: 5, systemNs: 10 }, { cpuNs: 1, systemNs: 20, cpus: 1 })).toBeNull();
  });
});
