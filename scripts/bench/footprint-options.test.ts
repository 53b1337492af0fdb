import { describe, expect, it } from 'vitest';
import { footprintBenchOptions } from './footprint-options';

describe('footprintBenchOptions', () => {
  it('defaults: 20 static sites, 30 s to settle, 30 s of idle samples', () => {
    expect(footprintBenchOptions({})).toEqual({ apps: 20, fixture: 'static-site', expect: 'Hello from a static site', settleSeconds: 30, idleSeconds: 30 });
  });

  it('reads each setting', () => {
    const o = footprintBenchOptions({ GANTRY_BENCH_FOOTPRINT_APPS: '3', GANTRY_BENCH_FOOTPRINT_FIXTURE: 'node-app', GANTRY_BENCH_FOOTPRINT_SETTLE: '0', GANTRY_BENCH_FOOTPRINT_IDLE: '12' });
    expect(o).toEqual({ apps: 3, fixture: 'node-app', expect: '"dyno":"web.1"', settleSeconds: 0, idleSeconds: 12 });
  });

  it('refuses what it cannot use, naming the setting', () => {
    expect(() => footprintBenchOptions({ GANTRY_BENCH_FOOTPRINT_APPS: '-1' })).toThrow(/GANTRY_BENCH_FOOTPRINT_APPS/);
    expect(() => footprintBenchOptions({ GANTRY_BENCH_FOOTPRINT_APPS: '2.5' })).toThrow(/whole number/);
    expect(() => footprintBenchOptions({ GANTRY_BENCH_FOOTPRINT_IDLE: '5' })).toThrow(/from 6 to 600/);
    expect(() => footprintBenchOptions({ GANTRY_BENCH_FOOTPRINT_FIXTURE: 'crash-on-boot' })).toThrow(/static-site, node-app/);
  });
});
