import { describe, expect, it } from 'vitest';
import { failures, steadyRows, stepRows, wakeRows, type SteadyFigures, type StepFigures } from './autoscale-figures';

const step: StepFigures = {
  perInstance: 40,
  rateBefore: 10,
  rateStep: 130,
  targetMs: 250,
  recoveredMs: 84_321,
  windowMs: 5000,
  holdMs: 30_000,
  events: [
    { from: 1, to: 2, afterMs: 14_200, reason: 'p95 1395 ms > 250 ms over 60 s' },
    { from: 2, to: 4, afterMs: 24_000, reason: 'p95 6035 ms > 250 ms over 60 s' },
  ],
  maxInstances: 4,
  p95BeforeMs: 27.4,
  worstP95Ms: Infinity,
  sent: 13_000,
  unanswered: 321,
};

describe('stepRows', () => {
  const rows = Object.fromEntries(stepRows(step));

  it('gives the recovery in seconds with the step and the target in the label', () => {
    expect(rows["(a) load step 10 -> 130 req/s (3.3x one instance's ~40 req/s): p95 back under 250 ms after"]).toBe('84.3 s');
  });

  it('lists the events from the step, the most instances, the p95s and the unanswered requests', () => {
    expect(rows['    scale events (from the step)']).toBe('1->2 at +14.2 s, 2->4 at +24.0 s');
    expect(rows['    instances at most']).toBe('4');
    expect(rows['    p95 before the step / worst window during it']).toBe('27 ms / no answer');
    expect(rows['    requests of the step not answered 200 (timeouts, 503)']).toBe('321 of 13000');
  });

  it('says when the p95 never came back, and that makes the run fail', () => {
    expect(stepRows({ ...step, recoveredMs: null })[0]![1]).toBe('NOT within the run');
    expect(failures({ step: { ...step, recoveredMs: null }, steady: { skipped: 'x' }, wake: { skipped: 'y' } })).toEqual(['step: the p95 never came back under the target']);
    expect(failures({ step, steady: { skipped: 'x' }, wake: { skipped: 'y' } })).toEqual([]);
  });
});

describe('steadyRows', () => {
  const steady: SteadyFigures = {
    rate: 100,
    perInstance: 40,
    targetMs: 250,
    settleMs: 95_000,
    settledAt: 4,
    seconds: 300,
    events: [{ from: 4, to: 2, afterMs: 212_000, reason: 'p95 31 ms < 250 ms over 60 s' }],
    p95Ms: 48.6,
    sent: 30_000,
    unanswered: 0,
  };

  it('counts the events against the goal of none, each with its reason', () => {
    const rows = steadyRows(steady);
    expect(rows[0]).toEqual(['(b) steady load 100 req/s (2.5x one instance) for 300 s: scale events (goal 0)', '1']);
    expect(Object.fromEntries(rows)['    settled first at 4 instance(s) after']).toBe('95.0 s');
    expect(Object.fromEntries(rows)['      4->2']).toBe('p95 31 ms < 250 ms over 60 s');
    expect(Object.fromEntries(rows)['    p95 over the counted period (target 250 ms)']).toBe('49 ms');
  });

  it('says "none" without events', () => {
    expect(Object.fromEntries(steadyRows({ ...steady, events: [] }))['    the events (from the start of the counted period)']).toBe('none');
  });
});

describe('wakeRows', () => {
  it('puts p50 / p99 of both side by side, and their ratios', () => {
    // 15 samples: p50 is the 8th smallest (900 and 380), p99 the largest (nearest rank).
    const wakeMs = [1500, 1400, 1300, 1200, 1100, 1000, 900, 800, 700, 600, 500, 400, 300, 200, 4000];
    const startMs = [500, 480, 460, 440, 420, 400, 380, 360, 340, 320, 300, 280, 260, 240, 1000];
    const rows = Object.fromEntries(wakeRows({ wakeMs, startMs }));
    expect(rows['(c) wake: GET / on the sleeping app until its 200, p50 / p99 of 15']).toBe('0.90 s / 4.00 s');
    expect(rows['    docker start of a stopped copy of its container until it answers 200, p50 / p99 of 15']).toBe('0.38 s / 1.00 s');
    expect(rows['    ratio wake / docker start, p50 / p99']).toBe('2.37 / 4.00');
    expect(rows['    each docker start']).toMatch(/^0\.50 s, 0\.48 s, .*, 1\.00 s$/);
    expect(rows['    memory: the awake instance / asleep']).toBeUndefined();
    expect(Object.fromEntries(wakeRows({ wakeMs, startMs, awakeMemoryBytes: 21.5 * 2 ** 20 }))['    memory: the awake instance / asleep']).toBe('21.5 MB / 0 MB (no container)');
  });

  it('prints a skipped or failed part as it is, and only a failure fails the run', () => {
    expect(wakeRows({ skipped: 'not available: ps:sleep is not in this build' })).toEqual([['(c) wake of a sleeping app', 'not available: ps:sleep is not in this build']]);
    expect(wakeRows({ failed: 'boom' })).toEqual([['(c) wake of a sleeping app: FAILED', 'boom']]);
    expect(failures({ step: { skipped: 'a' }, steady: { failed: 'did not settle' }, wake: { skipped: 'b' } })).toEqual(['steady: did not settle']);
  });
});
