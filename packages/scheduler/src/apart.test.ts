import { describe, expect, it } from 'vitest';
import { keepApart } from './apart';
import type { ProcessSpec } from './types';

const spec = (volumeHost: string | null): ProcessSpec => ({
  quantity: 1,
  resources: { memoryBytes: 1, cpuShares: 1 },
  constraints: [{ label: 'zone', op: '=', value: 'a' }],
  volumes: [{ name: 'v', id: 'v', hostId: volumeHost, source: 's', target: '/data', concurrent: false }],
});
const names = (id: string) => ({ h1: 'alpha', h2: 'beta' })[id];

describe('keepApart', () => {
  it('places the first unbound type and holds the others until it is bound', () => {
    const r = keepApart({ pg1: spec(null), pg2: spec(null), etcd: spec(null) }, ['pg1', 'pg2', 'etcd'], names);
    expect(r.pg1!.quantity).toBe(1);
    expect(r.pg1!.constraints).toEqual([{ label: 'zone', op: '=', value: 'a' }]);
    expect(r.pg2!.quantity).toBe(0);
    expect(r.etcd!.quantity).toBe(0);
  });

  it('keeps each type off the hosts of the others once they are bound', () => {
    const r = keepApart({ pg1: spec('h1'), pg2: spec('h2'), etcd: spec(null) }, ['pg1', 'pg2', 'etcd'], names);
    expect(r.etcd!.quantity).toBe(1);
    expect(r.etcd!.constraints).toEqual([
      { label: 'zone', op: '=', value: 'a' },
      { label: 'gantry.host', op: '!=', value: 'alpha' },
      { label: 'gantry.host', op: '!=', value: 'beta' },
    ]);
    expect(r.pg1!.constraints.at(-1)).toEqual({ label: 'gantry.host', op: '!=', value: 'beta' });
  });

  it('lets a bound type run even when one before it is unbound again (never holds a placed member)', () => {
    const r = keepApart({ pg1: spec(null), pg2: spec('h2') }, ['pg1', 'pg2'], names);
    expect(r.pg2!.quantity).toBe(1);
    expect(r.pg1!.constraints.at(-1)).toEqual({ label: 'gantry.host', op: '!=', value: 'beta' });
  });
});
