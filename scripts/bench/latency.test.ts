import { describe, expect, it } from 'vitest';
import { quantile, recoveredAfter, windowP95, type LatencySample } from './latency';

describe('quantile', () => {
  it('takes the nearest rank, whatever the order', () => {
    const xs = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
    expect(quantile(xs, 0.5)).toBe(5);
    expect(quantile(xs, 0.95)).toBe(10);
    expect(quantile(xs, 0.9)).toBe(9);
    expect(quantile(xs, 0)).toBe(1);
    expect(quantile(xs, 1)).toBe(10);
    expect(quantile([42], 0.99)).toBe(42);
    expect(quantile([], 0.5)).toBeNull();
  });

  it('does not change its input', () => {
    const xs = [3, 1, 2];
    quantile(xs, 0.5);
    expect(xs).toEqual([3, 1, 2]);
  });
});

describe('windowP95', () => {
  // 100 requests sent 0..99 ms, the i-th taking i ms.
  const samples: LatencySample[] = Array.from({ length: 100 }, (_, i) => ({ at: i, ms: i, ok: true }));

  it('takes only the requests sent in [from, to)', () => {
    expect(windowP95(samples, 0, 100)).toBe(94);
    expect(windowP95(samples, 0, 20)).toBe(18);
    expect(windowP95(samples, 200, 300)).toBeNull();
  });

  it('counts a failed request as slower than any answer', () => {
    const failed = samples.map((s) => (s.at >= 90 ? { ...s, ok: false } : s));
    expect(windowP95(failed, 0, 100)).toBe(Infinity);
    expect(windowP95(failed, 0, 90)).toBe(85);
  });
});

describe('recoveredAfter', () => {
  /** 10 requests a second from 0 to `end` s; latency from `slowMs(t)`. */
  const load = (end: number, slowMs: (t: number) => number, ok = (_t: number) => true): LatencySample[] =>
    Array.from({ length: end * 10 }, (_, i) => ({ at: i * 100, ms: slowMs(i * 100), ok: ok(i * 100) }));
  const o = { stepAt: 10_000, targetMs: 250, windowMs: 5000, holdMs: 10_000, until: 100_000 };

  it('is the end of the first window under the target that stays under it', () => {
    // Slow (2 s) from the step at 10 s until 40 s, fast (25 ms) after: the first window that
    // holds only fast requests is [40 s, 45 s).
    const s = load(100, (t) => (t >= 10_000 && t < 40_000 ? 2000 : 25));
    expect(recoveredAfter(s, o)).toBe(35_000);
  });

  it('does not count a short dip under the target during the step', () => {
    // Fast for 8 s in the middle of the slow part (20..28 s): shorter than window + hold.
    const s = load(100, (t) => (t >= 10_000 && t < 50_000 && !(t >= 20_000 && t < 28_000) ? 2000 : 25));
    expect(recoveredAfter(s, o)).toBe(45_000);
  });

  it('counts failures as not served in time', () => {
    const s = load(100, () => 25, (t) => !(t >= 10_000 && t < 30_000));
    expect(recoveredAfter(s, o)).toBe(25_000);
  });

  it('is null when the p95 never comes back under the target, or cannot hold before the end', () => {
    expect(recoveredAfter(load(100, () => 2000), o)).toBeNull();
    const late = load(100, (t) => (t < 92_000 ? 2000 : 25));
    expect(recoveredAfter(late, o)).toBeNull();
  });

  it('measures from the step, a window after it at the earliest', () => {
    // Never slow: recovered as soon as a window lies wholly after the step.
    expect(recoveredAfter(load(100, () => 25), o)).toBe(5000);
  });
});
