import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { RUN_ARGV_SCRIPT, instanceSpec, oneOffSpec, type InstanceSpecInput } from './instance-spec';

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
    expect(instanceSpec(base).env).toEqual({ GREETING: 'hi', PORT: '5000', DYNO: 'web.2', GANTRY_APP: 'shop', GANTRY_RELEASE: 'v7', GANTRY_INSTANCE: 'web.2.shop.internal' });
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

describe('oneOffSpec (gantry run)', () => {
  const run = {
    installation: 'main',
    app: base.app,
    release: base.release,
    launcher: 'buildpack' as const,
    argv: ['sh', '-c', 'echo "$X"; exit 3'],
    env: { EXTRA: '1' },
    size: 'standard-1x',
    number: 4321,
    suffix: 'abc123',
  };

  it('passes argv to gantry-launch as data, through a constant script', () => {
    const s = oneOffSpec(run);
    expect(s.cmd).toEqual(['gantry-launch', RUN_ARGV_SCRIPT]);
    expect(s.env).toMatchObject({ GANTRY_RUN_ARGC: '3', GANTRY_RUN_ARG_0: 'sh', GANTRY_RUN_ARG_1: '-c', GANTRY_RUN_ARG_2: 'echo "$X"; exit 3' });
    expect(s.env).toMatchObject({ GREETING: 'hi', EXTRA: '1', DYNO: 'run.4321', PORT: '5000' });
    expect(s.name).toBe('gantry-main-shop-run.4321-v7-abc123');
    expect(s.labels['gantry.role']).toBe('run');
    expect(s.exposesPort).toBe(false);
  });

  it('gives Dockerfile apps the argv as the command', () => {
    const s = oneOffSpec({ ...run, launcher: 'shell' });
    expect(s.cmd).toEqual(run.argv);
    expect(s.env.GANTRY_RUN_ARGC).toBeUndefined();
  });

  it('rebuilds the argv exactly in bash, spaces and quotes included', () => {
    const s = oneOffSpec({ ...run, argv: ['printf', '<%s>', 'a b', '$HOME', "it's", ''] });
    const r = spawnSync('bash', ['-c', RUN_ARGV_SCRIPT], { env: { PATH: process.env.PATH, ...s.env } as unknown as NodeJS.ProcessEnv, encoding: 'utf8' });
    expect(r.stdout).toBe("<a b><$HOME><it's><>");
  });
});
