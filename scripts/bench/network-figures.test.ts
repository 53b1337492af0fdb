import { describe, expect, it } from 'vitest';
import { dnsRows, loadRows, type LoadResult, type Runs } from './network-figures';

const r = (p50Ms: number, p99Ms: number, rps: number, c = 8): LoadResult => ({ n: 100, c, ok: 100, errors: 0, p50Ms, p99Ms, rps, seconds: 1 });

describe('loadRows', () => {
  const runs: Runs = {
    // Medians: loaded p50 2, p99 10, 4000 req/s; serial p50 0.5, p99 1.
    private: { loaded: [r(3, 30, 1000), r(1, 10, 4000), r(2, 5, 5000)], serial: [r(0.5, 1, 900, 1), r(0.6, 2, 800, 1), r(0.4, 0.9, 1000, 1)] },
    // Medians: loaded p50 1, p99 4, 8000 req/s; serial p50 0.25, p99 0.5.
    host: { loaded: [r(1, 4, 8000), r(1, 4, 8000), r(9, 90, 100)], serial: [r(0.25, 0.5, 2000, 1), r(0.2, 0.4, 2100, 1), r(0.3, 0.6, 1900, 1)] },
  };
  const rows = Object.fromEntries(loadRows(runs, { n: 2000, c: 8 }, { n: 1000 }));
  const cells = (label: string) => rows[label]!.trim().split(/\s{2,}/);

  it('puts the medians of each path side by side with the ratio private / host', () => {
    expect(cells('latency p50, 2000 requests at concurrency 8')).toEqual(['2.00 ms', '1.00 ms', '2.00']);
    expect(cells('latency p99, 2000 requests at concurrency 8')).toEqual(['10.00 ms', '4.00 ms', '2.50']);
    expect(cells('throughput, 2000 requests at concurrency 8')).toEqual(['4,000 req/s', '8,000 req/s', '0.50']);
    expect(cells('latency p50, 1000 requests one at a time')).toEqual(['0.50 ms', '0.25 ms', '2.00']);
    expect(cells('latency p99, 1000 requests one at a time')).toEqual(['1.00 ms', '0.50 ms', '2.00']);
  });

  it('lists every run, so a median can be checked against its runs', () => {
    expect(rows['each run, hosts, concurrency (p50 | p99 | req/s)']).toBe('1.00 ms, 1.00 ms, 9.00 ms | 4.00 ms, 4.00 ms, 90.00 ms | 8,000 req/s, 8,000 req/s, 100 req/s');
  });
});

describe('dnsRows', () => {
  it('says a skipped or failed measurement as it is, with no figure', () => {
    expect(dnsRows({ skipped: 'DNS: netd not available on this branch (x: ERR ETIMEOUT)' })).toEqual([['DNS follows a change', 'DNS: netd not available on this branch (x: ERR ETIMEOUT)']]);
    expect(dnsRows({ failed: 'timed out' })).toEqual([['DNS follows a change', 'FAILED: timed out']]);
  });

  it('judges the 2 s goal on both the join and the leave', () => {
    const d = { name: 'web.s.internal', joinFromUpMs: 400, joinFromScaleMs: 3000, leaveMs: 2500, probes: 10, probeRttMs: 4 };
    expect(Object.fromEntries(dnsRows(d))['goal: answers follow within 2 s']).toBe('NOT met');
    expect(Object.fromEntries(dnsRows({ ...d, leaveMs: 1500 }))['goal: answers follow within 2 s']).toBe('met');
  });
});
