import { describe, expect, it } from 'vitest';
import { Placer, TOP_HOSTS } from './placer';
import { formatReport } from './explain';
import { RANKER_NAMES, rankingChain } from './rankers';
import { SAMPLES_PER_FILTER } from './report';
import { eq, host, ne, request, tally, unit } from './testing';
import type { HostView, PlacedUnit, PlacementRequest } from './types';

/** Places `count` instances of app/type (index 1..count) and returns the chosen host ids. */
function placeMany(placer: Placer, appId: string, type: string, count: number, opts: Parameters<typeof request>[3] = {}): (string | null)[] {
  return Array.from({ length: count }, (_, i) => placer.place(request(appId, type, i + 1, opts)).chosen);
}

const three = () => [host('a'), host('b'), host('c')];

describe('spread', () => {
  it.each([
    { count: 3, expected: { a: 1, b: 1, c: 1 } },
    { count: 6, expected: { a: 2, b: 2, c: 2 } },
    { count: 7, expected: { a: 3, b: 2, c: 2 } },
    { count: 30, expected: { a: 10, b: 10, c: 10 } },
  ])('3 equal hosts, web=$count -> round robin', ({ count, expected }) => {
    expect(tally(placeMany(new Placer(three(), []), 'app', 'web', count, { memoryMB: 128, cpuShares: 128 }))).toEqual(expected);
  });

  it('goes round robin in name order on equal hosts, whatever the input order', () => {
    expect(placeMany(new Placer([host('c'), host('a'), host('b')], []), 'app', 'web', 6)).toEqual(['id-a', 'id-b', 'id-c', 'id-a', 'id-b', 'id-c']);
  });

  it('spreads a second process type independently', () => {
    const placer = new Placer(three(), []);
    placeMany(placer, 'app', 'web', 2);
    expect(tally(placeMany(placer, 'app', 'worker', 3))).toEqual({ a: 1, b: 1, c: 1 });
    // And another app's web is not this app's web.
    expect(tally(placeMany(placer, 'other', 'web', 3))).toEqual({ a: 1, b: 1, c: 1 });
  });

  it('counts the units already placed', () => {
    const placed = [unit('a', 'app', 'web'), unit('a', 'app', 'web'), unit('b', 'app', 'web')];
    expect(tally(placeMany(new Placer(three(), placed), 'app', 'web', 3))).toEqual({ b: 1, c: 2 });
  });

  it('gives a down or draining host nothing', () => {
    const hosts = [host('a'), host('b', { up: false }), host('c', { draining: true }), host('d')];
    const placer = new Placer(hosts, []);
    expect(tally(placeMany(placer, 'app', 'web', 4))).toEqual({ a: 2, d: 2 });
    const report = placer.place(request('app', 'web', 5));
    expect(report.rejectedBy).toEqual({ 'host-up': 1, 'not-draining': 1 });
    expect(report.rejections).toEqual([
      { host: 'b', filter: 'host-up', reason: 'host is down' },
      { host: 'c', filter: 'not-draining', reason: 'host is draining' },
    ]);
  });

  it('beats any bin-pack difference, even many instances in (where 1/(1+n) with a fixed weight would not)', () => {
    // a is small and nearly full of another app (bin-pack ~0.9), b big and empty (bin-pack ~0):
    // bin-pack alone would stack everything on a; spread keeps them level.
    const hosts = [host('a', { memoryGB: 4, cpus: 4 }), host('b', { memoryGB: 64, cpus: 64 })];
    const placed = [unit('a', 'other', 'web', 3 * 1024, 3 * 1024)];
    const chosen = placeMany(new Placer(hosts, placed), 'app', 'web', 12, { memoryMB: 64, cpuShares: 64 });
    expect(tally(chosen)).toEqual({ a: 6, b: 6 });
  });

  it('then fills what is left when the emptier hosts run out of room', () => {
    const hosts = [host('a', { memoryGB: 1 }), host('b', { memoryGB: 8 })];
    expect(tally(placeMany(new Placer(hosts, []), 'app', 'web', 6, { memoryMB: 512 }))).toEqual({ a: 2, b: 4 });
  });
});

describe('bin-pack', () => {
  it('breaks spread ties toward the fuller host', () => {
    const hosts = [host('a'), host('b'), host('c')];
    const placed = [unit('b', 'other', 'web', 4096, 2048)];
    const report = new Placer(hosts, placed).place(request('app', 'web', 1));
    expect(report.chosen).toBe('id-b');
    expect(report.top.map((s) => s.host)).toEqual(['b', 'a', 'c']);
    expect(report.top[0]!.scores).toEqual({ spread: 1, binpack: (4608 / 8192 + 2560 / 4096) / 2 });
  });

  it('counts utilisation after placing, so a smaller host with the same load is fuller', () => {
    const report = new Placer([host('a', { memoryGB: 16, cpus: 8 }), host('b', { memoryGB: 8, cpus: 4 })], []).place(request('app', 'web', 1));
    expect(report.chosen).toBe('id-b');
  });

  it('leaves exact ties to the first host by name', () => {
    const report = new Placer([host('b'), host('a')], []).place(request('app', 'web', 1));
    expect(report.chosen).toBe('id-a');
    expect(report.top[0]!.total).toBe(report.top[1]!.total);
  });

  it('weights: total = 10 x spread + 1 x binpack, every score in [0, 1]', () => {
    expect(rankingChain().map((r) => [r.name, r.weight])).toEqual([
      ['spread', 10],
      ['binpack', 1],
    ]);
    expect(rankingChain().map((r) => r.name)).toEqual([...RANKER_NAMES]);
    const placer = new Placer(three(), [unit('a', 'app', 'web')]);
    for (const s of placer.place(request('app', 'web', 2)).top) {
      for (const v of Object.values(s.scores)) expect(v).toBeGreaterThanOrEqual(0), expect(v).toBeLessThanOrEqual(1);
      expect(s.total).toBeCloseTo(10 * s.scores.spread! + s.scores.binpack!, 12);
    }
  });
});

describe('constraints', () => {
  const regions = () => [host('a', { labels: { region: 'us' } }), host('b', { labels: { region: 'eu' } }), host('c', { labels: { region: 'eu' } }), host('d')];

  it('region=eu sends every instance to the eu hosts, spread among them', () => {
    expect(tally(placeMany(new Placer(regions(), []), 'app', 'web', 6, { constraints: [eq('region', 'eu')] }))).toEqual({ b: 3, c: 3 });
  });

  it('region!=us keeps off us hosts but allows unlabelled ones', () => {
    expect(tally(placeMany(new Placer(regions(), []), 'app', 'web', 3, { constraints: [ne('region', 'us')] }))).toEqual({ b: 1, c: 1, d: 1 });
  });

  it('an impossible constraint: not placed, and every host rejection in the report', () => {
    const report = new Placer(regions(), []).place(request('app', 'web', 1, { constraints: [eq('region', 'mars')] }));
    expect(report.chosen).toBeNull();
    expect(report.top).toEqual([]);
    expect(report.evaluated).toBe(4);
    expect(report.rejectedBy).toEqual({ constraints: 4 });
    expect(report.rejections).toEqual([
      { host: 'a', filter: 'constraints', reason: 'constraint region=mars not met (host has region=us)' },
      { host: 'b', filter: 'constraints', reason: 'constraint region=mars not met (host has region=eu)' },
      { host: 'c', filter: 'constraints', reason: 'constraint region=mars not met (host has region=eu)' },
      { host: 'd', filter: 'constraints', reason: 'constraint region=mars not met (host has no region label)' },
    ]);
    expect(report.summary).toBe('not placed: 4 hosts rejected: constraints');
  });
});

describe('resources', () => {
  it('placements stop when memory runs out, with the reason', () => {
    const placer = new Placer([host('a', { memoryGB: 1 })], []);
    expect(placeMany(placer, 'app', 'web', 4, { memoryMB: 256, cpuShares: 0 })).toEqual(['id-a', 'id-a', 'id-a', 'id-a']);
    const report = placer.place(request('app', 'web', 5, { memoryMB: 256, cpuShares: 0 }));
    expect(report.chosen).toBeNull();
    expect(report.rejections).toEqual([{ host: 'a', filter: 'resources', reason: 'needs 256 MB memory, 0 MB free' }]);
    expect(report.summary).toBe('not placed: 1 host rejected: resources');
  });

  it('a full cluster says which filter turned each host away', () => {
    const hosts = [host('a', { labels: { region: 'us' } }), host('b', { labels: { region: 'us' } }), host('c', { memoryGB: 1, labels: { region: 'eu' } })];
    const placer = new Placer(hosts, [unit('c', 'other', 'web', 1024, 0)]);
    const report = placer.place(request('app', 'web', 1, { constraints: [eq('region', 'eu')] }));
    expect(report.summary).toBe('not placed: 3 hosts rejected (constraints: 2, resources: 1)');
  });

  it('remove() frees a unit: its resources and its place in the spread', () => {
    const placer = new Placer([host('a', { memoryGB: 1 }), host('b', { memoryGB: 1 })], []);
    const chosen = placeMany(placer, 'app', 'web', 4, { memoryMB: 512, cpuShares: 0 });
    expect(tally(chosen)).toEqual({ a: 2, b: 2 });
    expect(placer.place(request('app', 'web', 5, { memoryMB: 512, cpuShares: 0 })).chosen).toBeNull();

    const onB: PlacedUnit = { hostId: 'id-b', appId: 'app', type: 'web', resources: { memoryBytes: 512 * 1024 * 1024, cpuShares: 0 } };
    placer.remove(onB);
    expect(placer.place(request('app', 'web', 5, { memoryMB: 512, cpuShares: 0 })).chosen).toBe('id-b');
  });

  it('remove() of a unit given to the constructor, and of one never placed (ignored)', () => {
    const placed = [unit('a', 'app', 'web', 1024, 0)];
    const placer = new Placer([host('a', { memoryGB: 1 })], placed);
    placer.remove(unit('a', 'app', 'worker', 1024, 0)); // not there: no effect
    expect(placer.place(request('app', 'web', 2, { memoryMB: 1024, cpuShares: 0 })).chosen).toBeNull();
    placer.remove(placed[0]!);
    expect(placer.place(request('app', 'web', 2, { memoryMB: 1024, cpuShares: 0 })).chosen).toBe('id-a');
  });

  it('ignores units on hosts it does not know (a host gone from the cluster)', () => {
    expect(new Placer([host('a', { memoryGB: 1 })], [unit('gone', 'app', 'web', 1024, 0)]).place(request('app', 'web', 1, { memoryMB: 1024 })).chosen).toBe('id-a');
  });
});

describe('reports', () => {
  it('chosen is the host id; rejections and scores name hosts; the chosen host is top[0]', () => {
    const hosts: HostView[] = [
      { ...host('host-a', { labels: { region: 'us' } }), id: 'h1' },
      { ...host('host-b', { labels: { region: 'eu' } }), id: 'h2' },
      { ...host('host-c', { labels: { region: 'eu' }, memoryGB: 16 }), id: 'h3' },
    ];
    const report = new Placer(hosts, []).place(request('app', 'web', 1, { constraints: [eq('region', 'eu')] }));
    expect(report.chosen).toBe('h2');
    expect(report.top.map((s) => s.host)).toEqual(['host-b', 'host-c']);
    expect(report.rejections.map((r) => r.host)).toEqual(['host-a']);
    expect(report.summary).toBe('placed on host-b (spread 1.00, binpack 0.09); 1 host rejected: constraints');
  });

  it('summary without rejections, and with no hosts at all', () => {
    expect(new Placer([host('a')], []).place(request('app', 'web', 1)).summary).toBe('placed on a (spread 1.00, binpack 0.09)');
    const empty = new Placer([], []).place(request('app', 'web', 1));
    expect(empty).toEqual({ chosen: null, evaluated: 0, rejections: [], rejectedBy: {}, top: [], summary: 'not placed: no hosts' });
  });

  /** 1,000 hosts: every 10th down, every 10th (from 5) draining, half of the rest eu, and a request pinned to eu. */
  function bigCluster(): HostView[] {
    return Array.from({ length: 1000 }, (_, i) =>
      host(`h${String(i).padStart(4, '0')}`, { up: i % 10 !== 0, draining: i % 10 === 5, labels: { region: i % 2 ? 'eu' : 'us' } }),
    );
  }

  it('stays small on 1,000 hosts: a few rejections per filter, the top few scores, exact counts', () => {
    const placer = new Placer(bigCluster(), []);
    const report = placer.place(request('app', 'web', 1, { constraints: [eq('region', 'eu')] }));
    expect(report.evaluated).toBe(1000);
    expect(report.rejectedBy).toEqual({ 'host-up': 100, 'not-draining': 100, constraints: 400 });
    expect(report.rejections).toHaveLength(3 * SAMPLES_PER_FILTER);
    expect(report.rejections.filter((r) => r.filter === 'host-up').map((r) => r.host)).toEqual(['h0000', 'h0010', 'h0020']);
    expect(report.rejections.filter((r) => r.filter === 'constraints').map((r) => r.host)).toEqual(['h0002', 'h0004', 'h0006']);
    expect(report.top).toHaveLength(TOP_HOSTS);
    expect(report.chosen).not.toBeNull();
    expect(JSON.stringify(report).length).toBeLessThan(3000);
  });

  it('detailLimit: every rejection when the cluster is at most that size', () => {
    const report = new Placer(bigCluster(), [], { detailLimit: 1000 }).place(request('app', 'web', 1, { constraints: [eq('region', 'eu')] }));
    expect(report.rejections).toHaveLength(600);
    expect(new Placer(three(), [], { detailLimit: 2 }).place(request('app', 'web', 1, { constraints: [eq('region', 'x')] })).rejections).toHaveLength(3);
  });

  it('is deterministic: the same input gives the same reports, whatever the host order', () => {
    const hosts = bigCluster();
    const requests: PlacementRequest[] = [];
    for (let a = 0; a < 20; a++) for (let i = 1; i <= 30; i++) requests.push(request(`app${a}`, i % 3 ? 'web' : 'worker', i, { memoryMB: 256 * (1 + (a % 4)), constraints: a % 3 ? [] : [eq('region', 'eu')] }));
    const run = (hs: HostView[]) => {
      const placer = new Placer(hs, [unit('h0001', 'app0', 'web')]);
      return requests.map((r) => placer.place(r));
    };
    const first = run(hosts);
    expect(run(hosts)).toEqual(first);
    expect(run([...hosts].reverse())).toEqual(first);
  });
});

describe('volumes', () => {
  const pin = (hostId: string | null) => ({ name: 'pgdata', id: 'v1', hostId, source: 'gantry-x-pgdata', target: '/data', concurrent: false });

  it('places a type whose volume is not bound yet on any host (the first placement binds it)', () => {
    expect(new Placer(three(), []).place({ ...request('app', 'postgres', 1), volumes: [pin(null)] }).chosen).toBe('id-a');
  });

  it('places a type that mounts a volume on the volume host only, and says why not elsewhere', () => {
    const placer = new Placer(three(), []);
    const report = placer.place({ ...request('app', 'postgres', 1), volumes: [pin('id-b')] });
    expect(report.chosen).toBe('id-b');
    expect(report.rejectedBy).toEqual({ volume: 2 });
    expect(report.rejections).toContainEqual({ host: 'a', filter: 'volume', reason: 'volume pgdata lives on b' });
    expect(report.notes).toEqual(['volume pgdata lives on b: postgres runs there only']);
    expect(formatReport(report, 'postgres.1')).toEqual([
      'postgres.1 placed on b',
      '  a  rejected by volume: volume pgdata lives on b',
      '  c  rejected by volume: volume pgdata lives on b',
      expect.stringMatching(/^  b  .*total .*<- chosen$/),
      '  note: volume pgdata lives on b: postgres runs there only',
    ]);
  });

  it('adds no note for a type without volumes, or whose volume is on no host yet', () => {
    expect(new Placer(three(), []).place(request('app', 'web', 1)).notes).toBeUndefined();
    expect(new Placer(three(), []).place({ ...request('app', 'postgres', 1), volumes: [pin(null)] }).notes).toBeUndefined();
  });

  it('waits for the volume host rather than placing elsewhere when it is down', () => {
    const placer = new Placer([host('a'), host('b', { up: false }), host('c')], []);
    const report = placer.place({ ...request('app', 'postgres', 1), volumes: [pin('id-b')] });
    expect(report.chosen).toBeNull();
    expect(report.rejections).toContainEqual({ host: 'b', filter: 'host-up', reason: 'host is down' });
    expect(report.rejections).toContainEqual({ host: 'c', filter: 'volume', reason: 'volume pgdata lives on b' });
  });

  it('places a type nowhere while its volume moves, and says where it goes', () => {
    const report = new Placer(three(), []).place({ ...request('app', 'postgres', 1), volumes: [{ ...pin('id-a'), movingTo: 'id-b' }] });
    expect(report.chosen).toBeNull();
    expect(report.rejectedBy).toEqual({ volume: 3 });
    for (const h of ['a', 'b', 'c']) expect(report.rejections).toContainEqual({ host: h, filter: 'volume', reason: 'volume pgdata is moving to b' });
    expect(report.notes).toEqual(['volume pgdata is moving to b: postgres runs nowhere until its data is there']);
  });
});
