import { describe, expect, it } from 'vitest';
import { FILTER_NAMES, feasibilityChain, feasible } from './filters';
import { Placer } from './placer';
import { ClusterState } from './state';
import { eq, GB, host, MB, ne, request, unit } from './testing';
import type { HostView, PlacedUnit, PlacementRequest } from './types';
import { formatBytes } from './units';

describe('feasibility filters', () => {
  it('form one chain, cheapest first, named as exported', () => {
    expect(feasibilityChain().map((f) => f.name)).toEqual([...FILTER_NAMES]);
  });

  // One host, one request: which filter rejects it, and in which words.
  const cases: { name: string; host: HostView; placed?: PlacedUnit[]; req: PlacementRequest; filter: string | null; reason?: string }[] = [
    { name: 'a healthy host with room passes', host: host('a'), req: request('app', 'web', 1), filter: null },
    { name: 'a down host', host: host('a', { up: false }), req: request('app', 'web', 1), filter: 'host-up', reason: 'host is down' },
    { name: 'a draining host', host: host('a', { draining: true }), req: request('app', 'web', 1), filter: 'not-draining', reason: 'host is draining' },
    { name: 'down beats draining (first filter wins)', host: host('a', { up: false, draining: true }), req: request('app', 'web', 1), filter: 'host-up', reason: 'host is down' },
    {
      name: 'label with another value',
      host: host('a', { labels: { region: 'us' } }),
      req: request('app', 'web', 1, { constraints: [eq('region', 'eu')] }),
      filter: 'constraints',
      reason: 'constraint region=eu not met (host has region=us)',
    },
    {
      name: 'label missing',
      host: host('a'),
      req: request('app', 'web', 1, { constraints: [eq('region', 'eu')] }),
      filter: 'constraints',
      reason: 'constraint region=eu not met (host has no region label)',
    },
    {
      name: 'value no host has',
      host: host('a', { labels: { region: 'us' } }),
      req: request('app', 'web', 1, { constraints: [eq('region', 'mars')] }),
      filter: 'constraints',
      reason: 'constraint region=mars not met (host has region=us)',
    },
    {
      name: 'label != value, host has the value',
      host: host('a', { labels: { region: 'us' } }),
      req: request('app', 'web', 1, { constraints: [ne('region', 'us')] }),
      filter: 'constraints',
      reason: 'constraint region!=us not met',
    },
    { name: 'label != value holds when the label is absent', host: host('a'), req: request('app', 'web', 1, { constraints: [ne('region', 'us')] }), filter: null },
    {
      name: 'all constraints must hold; the first unmet is named',
      host: host('a', { labels: { region: 'eu', disk: 'hdd' } }),
      req: request('app', 'web', 1, { constraints: [eq('region', 'eu'), eq('disk', 'ssd'), ne('region', 'eu')] }),
      filter: 'constraints',
      reason: 'constraint disk=ssd not met (host has disk=hdd)',
    },
    { name: 'the built-in gantry.host label', host: host('a'), req: request('app', 'web', 1, { constraints: [eq('gantry.host', 'a')] }), filter: null },
    {
      name: 'memory short after the units already there',
      host: host('a', { memoryGB: 1 }),
      placed: [unit('a', 'other', 'web', 896)],
      req: request('app', 'web', 1, { memoryMB: 512 }),
      filter: 'resources',
      reason: 'needs 512 MB memory, 128 MB free',
    },
    {
      name: 'CPU short',
      host: host('a', { cpus: 1 }),
      placed: [unit('a', 'other', 'web', 256, 512)],
      req: request('app', 'web', 1, { cpuShares: 1024 }),
      filter: 'resources',
      reason: 'needs 1024 CPU shares, 512 free',
    },
    {
      name: 'both short, in GB',
      host: host('a', { memoryGB: 2, cpus: 1 }),
      req: request('app', 'web', 1, { memoryMB: 2560, cpuShares: 2048 }),
      filter: 'resources',
      reason: 'needs 2.5 GB memory, 2 GB free; needs 2048 CPU shares, 1024 free',
    },
    {
      name: 'overcommitted host reads as nothing free',
      host: host('a', { memoryGB: 1 }),
      placed: [unit('a', 'other', 'web', 2048, 0)],
      req: request('app', 'web', 1, { memoryMB: 256, cpuShares: 0 }),
      filter: 'resources',
      reason: 'needs 256 MB memory, 0 MB free',
    },
    { name: 'exactly the free amount fits', host: host('a', { memoryGB: 1, cpus: 1 }), req: request('app', 'web', 1, { memoryMB: 1024, cpuShares: 1024 }), filter: null },
  ];

  it.each(cases)('$name', ({ host: h, placed = [], req, filter, reason }) => {
    const report = new Placer([h], placed).place(req);
    if (filter === null) {
      expect(report.chosen).toBe(h.id);
      expect(report.rejections).toEqual([]);
    } else {
      expect(report.chosen).toBeNull();
      expect(report.rejections).toEqual([{ host: h.name, filter, reason }]);
      expect(report.rejectedBy).toEqual({ [filter]: 1 });
    }
  });

  it('feasible() asks one filter: null or the reason', () => {
    const state = new ClusterState([host('a', { labels: { region: 'us' } })], []);
    const q = state.query(request('app', 'web', 1, { constraints: [eq('region', 'eu')] }));
    const [up, , constraints] = feasibilityChain();
    expect(feasible(up!, 0, q, state)).toBeNull();
    expect(feasible(constraints!, 0, q, state)).toBe('constraint region=eu not met (host has region=us)');
  });
});

describe('formatBytes', () => {
  it.each([
    [512 * MB, 'down', '512 MB'],
    [128 * MB, 'down', '128 MB'],
    [0, 'down', '0 MB'],
    [1.5 * GB, 'up', '1.5 GB'],
    [2 * GB, 'down', '2 GB'],
    [1.15 * GB, 'down', '1.15 GB'],
    [512 * MB - 1, 'down', '511.9 MB'],
    [512 * MB + 1, 'up', '512.1 MB'],
    [1024 * GB, 'down', '1024 GB'],
  ] as const)('%d bytes rounded %s -> %s', (bytes, round, text) => {
    expect(formatBytes(bytes, round)).toBe(text);
  });
});
