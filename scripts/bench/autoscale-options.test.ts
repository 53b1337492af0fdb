import { describe, expect, it } from 'vitest';
import { autoscaleBenchOptions } from './autoscale-options';

describe('autoscaleBenchOptions', () => {
  it('runs every part, 5 minutes of steady load and 15 wakes by default', () => {
    expect(autoscaleBenchOptions({})).toEqual({ parts: ['step', 'steady', 'wake'], steadySeconds: 300, wakeSamples: 15 });
    expect(autoscaleBenchOptions({ GANTRY_BENCH_AUTOSCALE_ONLY: 'all' }).parts).toEqual(['step', 'steady', 'wake']);
  });

  it('runs one part alone when asked, with the lengths asked', () => {
    expect(autoscaleBenchOptions({ GANTRY_BENCH_AUTOSCALE_ONLY: 'step' }).parts).toEqual(['step']);
    expect(autoscaleBenchOptions({ GANTRY_BENCH_AUTOSCALE_ONLY: 'wake', GANTRY_BENCH_WAKE_SAMPLES: '5' })).toEqual({ parts: ['wake'], steadySeconds: 300, wakeSamples: 5 });
    expect(autoscaleBenchOptions({ GANTRY_BENCH_STEADY_SECONDS: '60' }).steadySeconds).toBe(60);
  });

  it('refuses a bad part or length with the value it got', () => {
    expect(() => autoscaleBenchOptions({ GANTRY_BENCH_AUTOSCALE_ONLY: 'sleep' })).toThrow('GANTRY_BENCH_AUTOSCALE_ONLY must be one of all, step, steady, wake, not "sleep"');
    expect(() => autoscaleBenchOptions({ GANTRY_BENCH_STEADY_SECONDS: '10' })).toThrow('GANTRY_BENCH_STEADY_SECONDS must be a whole number from 30 to 3600, not "10"');
    expect(() => autoscaleBenchOptions({ GANTRY_BENCH_WAKE_SAMPLES: '1.5' })).toThrow(/not "1.5"/);
    expect(() => autoscaleBenchOptions({ GANTRY_BENCH_WAKE_SAMPLES: '' })).toThrow(/not ""/);
  });
});
