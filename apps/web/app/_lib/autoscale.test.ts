import { describe, expect, it } from 'vitest';
import { instancesOver, metricOver } from './autoscale';

const t = (s: number) => new Date(Date.UTC(2026, 11, 5, 8, 0, s)).toISOString();

describe('autoscaling charts', () => {
  it('draws the count as steps of the events, the current count without any', () => {
    const events = [
      { type: 'web', from: 1, to: 2, createdAt: t(15) },
      { type: 'web', from: 2, to: 4, createdAt: t(35) },
      { type: 'worker', from: 1, to: 3, createdAt: t(5) },
    ];
    expect(instancesOver([t(0), t(10), t(20), t(30), t(40)], events, 'web', 4)).toEqual([1, 1, 2, 2, 4]);
    expect(instancesOver([t(0), t(10)], [], 'web', 3)).toEqual([3, 3]);
  });

  it("follows the policy's metric per instance", () => {
    const b = (requests: number, p95: number | null, cpuPercent = 0, memUsed = 0) => ({ requests, p95, cpuPercent, memUsed });
    const buckets = [b(100, 40), b(0, null), b(400, 90, 120, 1e8)];
    expect(metricOver(buckets, [1, 1, 4], { min: 1, max: 4, metric: 'rps', target: 5 }, 10)).toEqual([10, 0, 10]);
    expect(metricOver(buckets, [1, 1, 4], { min: 1, max: 4, metric: 'p95', target: 300 }, 10)).toEqual([40, null, 90]);
    expect(metricOver(buckets, [1, 1, 4], { min: 1, max: 4, metric: 'cpu', target: 70 }, 10)).toEqual([null, null, 30]);
  });
});
