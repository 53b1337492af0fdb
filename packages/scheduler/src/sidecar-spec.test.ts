import { describe, expect, it } from 'vitest';
import { instanceSpec, type InstanceSpecInput } from './instance-spec';
import { sidecarProcess, splitSize, withSidecars } from './sidecar-spec';

const MB = 1024 * 1024;
const input: InstanceSpecInput = {
  installation: 'main',
  allocId: 'alloc-1',
  app: { id: 'app-id', name: 'shop' },
  release: { id: 'rel-id', version: 7, imageRef: 'gantry-main/app-id:b3', config: { GREETING: 'hi' } },
  type: 'web',
  index: 2,
  command: 'npm start',
  launcher: 'buildpack',
  size: 'standard-1x',
  suffix: 'abc123',
};

describe('withSidecars', () => {
  it('leaves an instance without sidecars as it was', () => {
    const spec = instanceSpec(input);
    expect(withSidecars(spec, undefined, 'buildpack')).toEqual({ spec, sidecars: [] });
    expect(withSidecars(spec, [], 'buildpack')).toEqual({ spec, sidecars: [] });
  });

  it('runs each sidecar from the release image and config, through the launcher, labelled as a sidecar of the allocation', () => {
    const g = withSidecars(instanceSpec(input), [{ name: 'metrics', command: 'node exporter.js' }], 'buildpack');
    expect(g.spec.scratch).toBe('gantry-main-shop-web.2-v7-abc123-scratch');
    expect(g.sidecars).toHaveLength(1);
    const s = g.sidecars[0]!;
    expect(s).toMatchObject({ sidecar: 'metrics', name: 'gantry-main-shop-web.2-v7-abc123-metrics', image: 'gantry-main/app-id:b3', cmd: ['gantry-launch', 'node exporter.js'] });
    expect(s.env).toEqual({ GREETING: 'hi', PORT: '5000', DYNO: 'web.2', GANTRY_APP: 'shop', GANTRY_RELEASE: 'v7', GANTRY_INSTANCE: 'web.2.shop.internal', GANTRY_SIDECAR: 'metrics' });
    expect(s.labels).toMatchObject({ 'gantry.role': 'sidecar', 'gantry.sidecar': 'metrics', 'gantry.alloc.id': 'alloc-1', 'gantry.app': 'shop', 'gantry.process.index': '2' });
    // The instance keeps its own role: the agent's reconcile lists instances by it.
    expect(g.spec.labels['gantry.role']).toBe('app');
    expect(withSidecars(instanceSpec({ ...input, launcher: 'shell' }), [{ name: 'm', command: 'perl m.pl' }], 'shell').sidecars[0]!.cmd).toEqual(['/bin/sh', '-c', 'perl m.pl']);
  });

  it('splits the size: the instance keeps half, the sidecars share the other half, never more than the size', () => {
    const two = withSidecars(instanceSpec(input), [{ name: 'a', command: 'x' }, { name: 'b', command: 'y' }], 'buildpack');
    expect(two.spec).toMatchObject({ memoryBytes: 256 * MB, cpuShares: 256 });
    expect(two.sidecars.map((s) => [s.memoryBytes, s.cpuShares])).toEqual([[128 * MB, 128], [128 * MB, 128]]);
    for (const [size, n] of [['basic', 1], ['basic', 3], ['standard-2x', 4], ['performance-m', 3]] as const) {
      const g = withSidecars(instanceSpec({ ...input, size }), Array.from({ length: n }, (_, i) => ({ name: `s${i}`, command: 'x' })), 'buildpack');
      const total = instanceSpec({ ...input, size });
      expect(g.spec.memoryBytes + g.sidecars.reduce((sum, s) => sum + s.memoryBytes, 0)).toBeLessThanOrEqual(total.memoryBytes);
      expect(g.spec.cpuShares + g.sidecars.reduce((sum, s) => sum + s.cpuShares, 0)).toBeLessThanOrEqual(total.cpuShares);
    }
  });

  it('keeps everything for the instance when there is no sidecar', () => {
    expect(splitSize({ memoryBytes: 512 * MB, cpuShares: 512 }, 0).instance).toEqual({ memoryBytes: 512 * MB, cpuShares: 512 });
  });

  it('names a sidecar process after its instance', () => {
    expect(sidecarProcess('web.1', 'metrics')).toBe('web.1/metrics');
  });
});
