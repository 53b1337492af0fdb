import { describe, expect, it } from 'vitest';
import { instanceSpec, type InstanceSpecInput } from './instance-spec';

const base: InstanceSpecInput = {
  installation: 'main',
  allocId: 'alloc-1',
  app: { id: 'app-id', name: 'shop' },
  release: { id: 'rel-id', version: 7, imageRef: 'gantry-main/app-id:b3', config: { GREETING: 'hi', PORT: 'ignored' } },
  type: 'web',
  index: 2,
  command: 'npm start',
  launcher: 'buildpack',
  size: 'standard-2x',
  suffix: 'abc123',
};

describe('instanceSpec', () => {
  it('runs buildpack commands through gantry-launch, as argv', () => {
    const s = instanceSpec(base);
    expect(s.cmd).toEqual(['gantry-launch', 'npm start']);
    expect(s.name).toBe('gantry-main-shop-web.2-v7-abc123');
    expect(s.image).toBe('gantry-main/app-id:b3');
  });

  it('sets the platform env over the app config (PORT cannot be overridden)', () => {
    expect(instanceSpec(base).env).toEqual({ GREETING: 'hi', PORT: '5000', DYNO: 'web.2', GANTRY_APP: 'shop', GANTRY_RELEASE: 'v7' });
  });

  it('labels the container with app, release and process', () => {
    expect(instanceSpec(base).labels).toMatchObject({
      'gantry.instance': 'main',
      'gantry.alloc.id': 'alloc-1',
      'gantry.app.id': 'app-id',
      'gantry.release': '7',
      'gantry.release.id': 'rel-id',
      'gantry.process.type': 'web',
      'gantry.process.index': '2',
    });
  });

  it('sizes memory and CPU shares by name, with a default for unknown names', () => {
    expect(instanceSpec(base)).toMatchObject({ memoryBytes: 1024 * 1024 * 1024, cpuShares: 1024 });
    expect(instanceSpec({ ...base, size: 'nonsense' })).toMatchObject({ memoryBytes: 512 * 1024 * 1024 });
  });

  it('uses sh -c for Dockerfile images, and the image CMD when there is no command', () => {
    expect(instanceSpec({ ...base, launcher: 'shell' }).cmd).toEqual(['/bin/sh', '-c', 'npm start']);
    expect(instanceSpec({ ...base, launcher: 'shell', command: '' }).cmd).toBeUndefined();
  });

  it('publishes a port only for web processes', () => {
    expect(instanceSpec(base).exposesPort).toBe(true);
    expect(instanceSpec({ ...base, type: 'worker' }).exposesPort).toBe(false);
  });
});
