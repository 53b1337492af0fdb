import { describe, expect, it } from 'vitest';
import { addonBenchOptions } from './addons-options';

describe('addonBenchOptions', () => {
  it('runs everything with 1 GB by default', () => {
    expect(addonBenchOptions({})).toEqual({ targetBytes: 1e9, storage: true, lab: true });
    expect(addonBenchOptions({ GANTRY_BENCH_ADDONS_ONLY: 'all' })).toEqual({ targetBytes: 1e9, storage: true, lab: true });
  });

  it('runs only one part when asked, with the size asked', () => {
    expect(addonBenchOptions({ GANTRY_BENCH_ADDONS_ONLY: 'lab' })).toMatchObject({ storage: false, lab: true });
    expect(addonBenchOptions({ GANTRY_BENCH_ADDONS_ONLY: 'storage', GANTRY_BENCH_DB_GB: '0.05' })).toEqual({ targetBytes: 5e7, storage: true, lab: false });
  });

  it('refuses a bad size or part with the value it got', () => {
    expect(() => addonBenchOptions({ GANTRY_BENCH_DB_GB: '0' })).toThrow('GANTRY_BENCH_DB_GB must be a number of GB above 0 (up to 100), not "0"');
    expect(() => addonBenchOptions({ GANTRY_BENCH_DB_GB: '' })).toThrow(/not ""/);
    expect(() => addonBenchOptions({ GANTRY_BENCH_DB_GB: 'big' })).toThrow(/not "big"/);
    expect(() => addonBenchOptions({ GANTRY_BENCH_ADDONS_ONLY: 'move' })).toThrow('GANTRY_BENCH_ADDONS_ONLY must be one of all, storage, lab, not "move"');
  });
});
