import { describe, expect, it } from 'vitest';
import { bucketFromHash, countersToFields } from '@gantry/live';
import { RouterMetrics } from './metrics';

function fakeSink() {
  const writes: { bucket: number; appId: string; fields: Record<string, string> }[] = [];
  return {
    writes,
    addRouter: async (bucket: number, perApp: ReadonlyMap<string, Float64Array>) => {
      for (const [appId, c] of perApp) writes.push({ bucket, appId, fields: Object.fromEntries(countersToFields(c).map(([f, n]) => [f, String(n)])) });
    },
  };
}

describe('RouterMetrics', () => {
  it('counts per app and writes each interval into the bucket of its start', async () => {
    let now = 1_700_000_008_000;
    const sink = fakeSink();
    const m = new RouterMetrics(sink, 2000, () => now).start();
    m.record('a', 200, 3);
    m.record('a', 404, 12);
    m.record('b', 502, 40);
    now = 1_700_000_010_001;
    await m.flush();
    m.record('a', 200, 1);
    await m.stop();
    expect(sink.writes.map((w) => [w.bucket, w.appId, bucketFromHash(w.bucket, w.fields).requests])).toEqual([
      [1_700_000_000_000, 'a', 2],
      [1_700_000_000_000, 'b', 1],
      [1_700_000_010_000, 'a', 1],
    ]);
    expect(bucketFromHash(0, sink.writes[0]!.fields).status).toEqual({ '2xx': 1, '3xx': 0, '4xx': 1, '5xx': 0 });
  });

  it('drops the counts of a failed write, never throws', async () => {
    const m = new RouterMetrics({ addRouter: () => Promise.reject(new Error('down')) });
    m.record('a', 200, 1);
    m.record('a', 200, 1);
    await m.flush();
    expect(m.dropped).toBe(2);
  });

  it('wants a flush interval that divides the bucket', () => {
    expect(() => new RouterMetrics(fakeSink(), 3000)).toThrow(/divide/);
  });
});
