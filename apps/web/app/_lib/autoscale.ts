/**
 * What the metrics page draws for an autoscaled type: its instance count at each bucket of the
 * window (a step function of the autoscaler's events), and the metric the policy follows per
 * bucket, beside the policy's target. Pure.
 */
import type { AutoscaleEventView, AutoscalePolicyView } from '@gantry/api-client';

/** The count at each time: the `to` of the last event at or before it, else the `from` of the first event after it, else `current`. */
export function instancesOver(times: readonly string[], events: readonly Pick<AutoscaleEventView, 'type' | 'from' | 'to' | 'createdAt'>[], type: string, current: number): number[] {
  const mine = events.filter((e) => e.type === type).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  return times.map((t) => {
    const at = Date.parse(t);
    let count: number | null = null;
    for (const e of mine) {
      if (Date.parse(e.createdAt) <= at) count = e.to;
      else {
        count ??= e.from;
        break;
      }
    }
    return count ?? current;
  });
}

export interface Bucket {
  requests: number;
  p95: number | null;
  cpuPercent: number;
  memUsed: number;
}

/** The policy's metric per bucket: p95 (ms), requests/s per instance, or mean CPU % per instance. */
export function metricOver(buckets: readonly Bucket[], counts: readonly number[], policy: AutoscalePolicyView, bucketSeconds: number): (number | null)[] {
  return buckets.map((b, i) => {
    const n = Math.max(1, counts[i] ?? 1);
    if (policy.metric === 'p95') return b.requests ? b.p95 : null;
    if (policy.metric === 'rps') return b.requests / bucketSeconds / n;
    return b.memUsed ? b.cpuPercent / n : null;
  });
}

export function metricLabel(policy: AutoscalePolicyView): string {
  return policy.metric === 'p95' ? 'p95 (ms)' : policy.metric === 'rps' ? 'req/s per instance' : 'CPU % per instance';
}
