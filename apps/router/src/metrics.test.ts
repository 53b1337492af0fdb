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
    const m = new RouterMetrics(sink, { flushMs: 2000, now: () => now }).start();
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

  it('does not queue writes behind one Redis has not answered: their counts are dropped, logged once', async () => {
    let answer: (() => void) | undefined;
    const writes: number[] = [];
    const sink = {
      addRouter: (_bucket: number, perApp: ReadonlyMap<string, Float64Array>) => {
        writes.push(perApp.get('a')?.[0] ?? 0);
        return new Promise<void>((resolve) => (answer = resolve));
      },
    };
    const lines: string[] = [];
    const log = { debug: () => {}, info: (m: string) => void lines.push(m), warn: (m: string) => void lines.push(m), error: () => {} };
    const m = new RouterMetrics(sink, { log });
    m.record('a', 200, 1);
    const first = m.flush();
    for (let i = 0; i < 3; i++) {
      m.record('a', 200, 1);
      m.record('a', 500, 1);
      void m.flush();
    }
    expect(writes).toEqual([1]);
    expect(m.dropped).toBe(6);
    expect(lines).toEqual([expect.stringMatching(/code=metrics_dropped/)]);
    answer!();
    await first;
    m.record('a', 200, 1);
    const next = m.flush();
    expect(writes).toEqual([1, 1]);
    answer!();
    await next;
    expect(lines[1]).toBe('metrics reach Redis again');
  });

  it('wants a flush interval that divides the bucket', () => {
    expect(() => new RouterMetrics(fakeSink(), { flushMs: 3000 })).toThrow(/divide/);
  });
});
