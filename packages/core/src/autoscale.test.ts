import { describe, expect, it } from 'vitest';
import { decide, observe, policyProblems, type AutoscaleInput, type AutoscalePolicy, type MetricSample } from './autoscale';

const NOW = 1_000_000;
/** Six 10 s buckets ending now, all with `value` (null: no data). */
const flat = (value: number | null, n = 6): MetricSample[] => Array.from({ length: n }, (_, i) => ({ at: NOW - (n - 1 - i) * 10_000, value }));
const p95 = (over: Partial<AutoscalePolicy> = {}): AutoscalePolicy => ({ min: 1, max: 8, metric: 'p95', target: 300, ...over });
const run = (over: Partial<AutoscaleInput>) => decide({ policy: p95(), current: 2, samples: flat(300), now: NOW, recent: [], ...over });

describe('autoscale decisions', () => {
  it.each([
    // [what, input, desired, reason contains]
    ['p95 twice the target: doubles', { samples: flat(640) }, 4, 'p95 640 ms > 300 ms over 60 s'],
    ['p95 far above: at most doubles per decision', { samples: flat(3000) }, 4, 'p95 3000 ms > 300 ms'],
    ['one instance under load: +1 at least', { current: 1, samples: flat(450) }, 2, '>'],
    ['above but capped by max', { current: 6, samples: flat(900) }, 8, '>'],
    ['at the max already', { current: 8, samples: flat(900) }, 8, 'at the maximum 8: no change'],
    ['within 10% of the target', { samples: flat(320) }, 2, 'within 10% of the target: no change'],
    ['steady at the target', { samples: flat(300) }, 2, 'no change'],
    ['no data at all', { samples: flat(null) }, 2, 'not enough p95 data over 60 s: no change'],
    ['too little data (2 of 6 buckets)', { samples: [...flat(null, 4), ...flat(900, 2)] }, 2, 'not enough p95 data'],
    ['below the minimum after a policy change', { current: 1, policy: p95({ min: 3 }) }, 3, '1 is below the minimum 3'],
    ['above the maximum after a policy change', { current: 9 }, 8, '9 is above the maximum 8'],
  ] as const)('%s', (_what, over, desired, reason) => {
    const d = run(over as Partial<AutoscaleInput>);
    expect(d.desired).toBe(desired);
    expect(d.reason).toContain(reason);
  });

  it('scales on requests per instance: the total over the count', () => {
    const policy: AutoscalePolicy = { min: 1, max: 10, metric: 'rps', target: 150 };
    const up = decide({ policy, current: 2, samples: flat(600), now: NOW, recent: [] });
    expect(up).toMatchObject({ desired: 4, observed: 300 });
    expect(up.reason).toBe('300 req/s per instance > 150 req/s per instance over 60 s');
    expect(decide({ policy, current: 4, samples: flat(600), now: NOW, recent: [] }).desired).toBe(4);
  });

  it('scales on CPU', () => {
    const policy: AutoscalePolicy = { min: 1, max: 10, metric: 'cpu', target: 70 };
    expect(decide({ policy, current: 3, samples: flat(95), now: NOW, recent: [] })).toMatchObject({ desired: 5, reason: 'CPU 95% > 70% over 60 s' });
  });

  /** Request rates over the stabilization window: `peak` req/s earlier, `now` over the last minute. */
  const rates = (peak: number | null, now: number | null): MetricSample[] => flat(0, 30).map((b) => ({ at: b.at, value: b.at >= NOW - 60_000 ? now : peak }));

  it('scales down on fast responses only as far as the traffic fell from its peak, after the stabilization window', () => {
    // Load fell to a quarter of its peak: 1 instance would do, but 4 were recommended a minute ago.
    const recent = [{ at: NOW - 60_000, desired: 4 }];
    const held = run({ current: 4, samples: flat(75), recent, rates: rates(100, 25) });
    expect(held.desired).toBe(4);
    expect(held.recommended).toBe(1);
    expect(held.reason).toBe('p95 75 ms < 300 ms over 60 s, 25 req/s, 25% of the peak 100 req/s over 300 s, but 4 was recommended within 300 s: no change yet');
    // Five minutes of low recommendations later: down, but at most halving.
    const later = run({ current: 4, samples: flat(75), recent: [{ at: NOW - 310_000, desired: 4 }, { at: NOW - 200_000, desired: 1 }, { at: NOW - 100_000, desired: 1 }], rates: rates(100, 25) });
    expect(later.desired).toBe(2);
    expect(later.reason).toBe('p95 75 ms < 300 ms over 60 s, 25 req/s, 25% of the peak 100 req/s over 300 s');
    // Down to the highest still recommended in the window.
    expect(run({ current: 6, samples: flat(75), recent: [{ at: NOW - 100_000, desired: 5 }], rates: rates(100, 10) }).desired).toBe(5);
  });

  it.each<[string, MetricSample[] | undefined, number, string]>([
    ['steady traffic: fast responses are no reason to shed what serves it', rates(100, 100), 8, '100% of the peak 100 req/s over 300 s, 8 instances still needed: no change'],
    ['steady with noise (a bucket 8% above the mean)', [...rates(100, 100).slice(0, 29), { at: NOW, value: 108 }], 8, 'no change'],
    ['15% under its peak: beyond the 10% tolerance', rates(100, 85), 7, '85% of the peak 100 req/s'],
    ['steady, 8% under its peak: within the tolerance', rates(100, 92), 8, '92% of the peak 100 req/s over 300 s, 8 instances still needed: no change'],
    ['a backlog answered in a burst (3 buckets of 30 at 140) is no peak', rates(100, 100).map((b, i) => (i < 3 ? { at: b.at, value: 140 } : b)), 8, '100% of the peak 100 req/s'],
    ['traffic halved', rates(100, 50), 4, '50% of the peak'],
    ['no request over the stabilization window', rates(0, 0), 1, 'no request over 300 s'],
    ['rate unknown: one instance less', undefined, 7, 'request rate unknown, one instance less'],
    ['rate missing over the window: one less', rates(100, null), 7, 'request rate unknown'],
  ])('p95 under target, %s', (_what, r, recommended, reason) => {
    const d = run({ current: 8, samples: flat(30), rates: r });
    expect(d.recommended).toBe(recommended);
    expect(d.reason).toContain(reason);
  });

  it('never goes below the minimum while scaling down', () => {
    expect(run({ current: 3, samples: flat(30), policy: p95({ min: 3 }) })).toMatchObject({ desired: 3, reason: expect.stringContaining('at the minimum 3') });
    expect(run({ current: 4, samples: flat(30), policy: p95({ min: 3 }) }).desired).toBe(3);
  });

  it('leaves a type with no instance alone (waking it is the router\'s)', () => {
    expect(run({ current: 0, policy: p95({ min: 0 }), samples: flat(900) })).toMatchObject({ desired: 0 });
  });

  it('reads the window: buckets outside it do not count', () => {
    const old = [{ at: NOW - 120_000, value: 5000 }];
    expect(observe([...old, ...flat(100)], NOW, 60_000)).toBe(100);
    expect(observe(old, NOW, 60_000)).toBeNull();
  });

  it('checks a policy', () => {
    expect(policyProblems(p95())).toEqual([]);
    expect(policyProblems(p95({ min: 0 }))).toEqual(['--min must be a whole number, 1 or more']);
    expect(policyProblems(p95({ min: 5, max: 2 }))).toEqual(['--min (5) cannot be above --max (2)']);
    expect(policyProblems({ min: 1, max: 2, metric: 'cpu', target: 170 })).toEqual(['a CPU target is a percentage, up to 100']);
    expect(policyProblems({ min: 1, max: 2, metric: 'latency' as never, target: 0 })).toEqual(['the metric must be one of p95, rps, cpu', 'the target must be a number above 0']);
  });
});
