import { describe, expect, it } from 'vitest';
import { bootDeadline, IMAGE_FETCH_ALLOWANCE_MS, mountsKey, reconcile, type AllocView, type PlanInput } from './plan';
import type { AllocationStatus, AppDesired, ReleaseSpec } from './types';

const v1: ReleaseSpec = { id: 'r1', version: 1, processTypes: { web: 'serve', worker: 'work' } };
const v2: ReleaseSpec = { id: 'r2', version: 2, processTypes: { web: 'serve', worker: 'work' } };
const res = { memoryBytes: 512, cpuShares: 512 };
const report = { chosen: 'h1', evaluated: 1, rejections: [], rejectedBy: {}, top: [], summary: '' };

function desired(over: Partial<AppDesired> = {}): AppDesired {
  return { appId: 'app', current: v1, target: null, formation: { web: { quantity: 2, resources: res, constraints: [] } }, batchSize: null, ...over };
}

let seq = 0;
function alloc(release: ReleaseSpec, type: string, index: number, status: AllocationStatus | null, over: Partial<AllocView> = {}): AllocView {
  seq++;
  return {
    id: `a${seq}-${type}.${index}-v${release.version}`,
    appId: 'app',
    releaseId: release.id,
    type,
    index,
    hostId: 'h1',
    resources: res,
    desired: 'run',
    routed: true,
    createdAt: 1000 + seq,
    report,
    state: status ? { status, since: 0 } : null,
    ...over,
  };
}

const hosts = (extra: Record<string, { up: boolean; draining: boolean }> = {}) =>
  new Map(Object.entries({ h1: { up: true, draining: false }, h2: { up: true, draining: false }, ...extra }));

function plan(d: AppDesired, allocs: AllocView[], over: Partial<PlanInput> = {}) {
  return reconcile({ desired: d, allocs, hosts: hosts(), now: 10_000, bootTimeoutMs: 60_000, drainMs: 2000, ...over });
}

describe('reconcile: steady state', () => {
  it('places every missing slot and does nothing when all are healthy', () => {
    expect(plan(desired(), []).place).toEqual([
      { type: 'web', index: 1, releaseId: 'r1', why: 'missing' },
      { type: 'web', index: 2, releaseId: 'r1', why: 'missing' },
    ]);
    const ok = plan(desired(), [alloc(v1, 'web', 1, 'healthy'), alloc(v1, 'web', 2, 'healthy')]);
    expect(ok).toEqual({ place: [], route: [], unroute: [], stop: [], forget: [] });
  });

  it('routes a new instance only once it is healthy (scale up)', () => {
    const starting = alloc(v1, 'web', 2, 'starting', { routed: false });
    expect(plan(desired(), [alloc(v1, 'web', 1, 'healthy'), starting]).route).toEqual([]);
    const up = { ...starting, state: { status: 'healthy' as const, since: 0 } };
    expect(plan(desired(), [alloc(v1, 'web', 1, 'healthy'), up]).route).toEqual([up.id]);
  });

  it('takes scaled-down instances out of routing before stopping them after the drain', () => {
    const extra = alloc(v1, 'web', 3, 'healthy');
    const p = plan(desired(), [alloc(v1, 'web', 1, 'healthy'), alloc(v1, 'web', 2, 'healthy'), extra]);
    expect(p.unroute).toEqual([{ id: extra.id, why: 'scaled down' }]);
    expect(p.stop).toEqual([]);
    const draining = { ...extra, desired: 'stop' as const, routed: false, stopRequestedAt: 9000 };
    expect(plan(desired(), [draining]).stop).toEqual([]); // 1 s into a 2 s drain
    expect(plan(desired(), [draining], { now: 11_500 }).stop).toEqual([extra.id]);
    const stopped = { ...draining, state: { status: 'stopped' as const, since: 0 } };
    expect(plan(desired(), [stopped], { now: 11_500 }).forget).toEqual([extra.id]);
  });

  it('keeps a crashed instance (its restart policy restarts it) instead of placing another', () => {
    const p = plan(desired({ formation: { web: { quantity: 1, resources: res, constraints: [] } } }), [alloc(v1, 'web', 1, 'crashed')]);
    expect(p.place).toEqual([]);
    expect(p.unroute).toEqual([]);
  });

  it('forgets an instance whose agent found its container gone, and places its slot again', () => {
    const gone = alloc(v1, 'web', 2, 'stopped');
    const p = plan(desired(), [alloc(v1, 'web', 1, 'healthy'), gone]);
    expect(p.forget).toEqual([gone.id]);
    expect(p.place).toEqual([{ type: 'web', index: 2, releaseId: 'r1', why: 'missing' }]);
  });

  it('replaces instances of a host that is down and forgets them', () => {
    const lost = alloc(v1, 'web', 1, 'healthy', { hostId: 'h3' });
    const p = plan(desired(), [lost, alloc(v1, 'web', 2, 'healthy')], { hosts: hosts({ h3: { up: false, draining: false } }) });
    expect(p.forget).toEqual([lost.id]);
    expect(p.place).toEqual([{ type: 'web', index: 1, releaseId: 'r1', why: 'missing' }]);
  });

  it('moves instances off a draining host: replacement first, then the old one leaves', () => {
    const h = hosts({ h3: { up: true, draining: true } });
    const old = alloc(v1, 'web', 1, 'healthy', { hostId: 'h3' });
    expect(plan(desired(), [old, alloc(v1, 'web', 2, 'healthy')], { hosts: h }).place).toEqual([{ type: 'web', index: 1, releaseId: 'r1', why: 'migrate' }]);
    const moving = alloc(v1, 'web', 1, 'starting', { routed: false });
    const waiting = plan(desired(), [old, moving, alloc(v1, 'web', 2, 'healthy')], { hosts: h });
    expect([waiting.place, waiting.unroute]).toEqual([[], []]);
    const moved = { ...moving, state: { status: 'healthy' as const, since: 0 } };
    const p = plan(desired(), [old, moved, alloc(v1, 'web', 2, 'healthy')], { hosts: h });
    expect(p.route).toEqual([moved.id]);
    expect(p.unroute).toEqual([{ id: old.id, why: 'moved (host draining, constraints or size changed)' }]);
  });

  it('moves instances whose host no longer meets the constraints, keeping them until replaced', () => {
    const eu = { up: true, draining: false, labels: { region: 'eu' } };
    const us = { up: true, draining: false, labels: { region: 'us' } };
    const d = desired({ formation: { web: { quantity: 1, resources: res, constraints: [{ label: 'region', op: '=', value: 'eu' }] } } });
    const onUs = alloc(v1, 'web', 1, 'healthy', { hostId: 'us' });
    const p = plan(d, [onUs], { hosts: new Map([['eu', eu], ['us', us]]) });
    expect(p.place).toEqual([{ type: 'web', index: 1, releaseId: 'r1', why: 'migrate' }]);
    expect(p.unroute).toEqual([]); // it serves until its replacement is healthy
    const onEu = alloc(v1, 'web', 1, 'healthy', { hostId: 'eu', routed: false });
    expect(plan(d, [onUs, onEu], { hosts: new Map([['eu', eu], ['us', us]]) }).unroute.map((u) => u.id)).toEqual([onUs.id]);
  });

  it('replaces instances whose size changed (ps:type)', () => {
    const big = { memoryBytes: 1024, cpuShares: 1024 };
    const d = desired({ formation: { web: { quantity: 1, resources: big, constraints: [] } } });
    expect(plan(d, [alloc(v1, 'web', 1, 'healthy')]).place).toEqual([{ type: 'web', index: 1, releaseId: 'r1', why: 'migrate' }]);
  });

  it('ignores process types the release lacks and stops everything without a release', () => {
    const d = desired({ current: { id: 'r1', version: 1, processTypes: { web: 'x' } }, formation: { web: { quantity: 1, resources: res, constraints: [] }, clock: { quantity: 1, resources: res, constraints: [] } } });
    expect(plan(d, []).place.map((p) => p.type)).toEqual(['web']);
    const a = alloc(v1, 'web', 1, 'healthy');
    expect(plan(desired({ current: null }), [a]).unroute).toEqual([{ id: a.id, why: 'scaled down' }]);
  });
});

describe('reconcile: deploys', () => {
  const deploying = (over: Partial<AppDesired> = {}) => desired({ target: v2, ...over });
  const old = () => [alloc(v1, 'web', 1, 'healthy'), alloc(v1, 'web', 2, 'healthy')];

  it('places the whole new formation at once by default, unrouted', () => {
    expect(plan(deploying(), old()).place).toEqual([
      { type: 'web', index: 1, releaseId: 'r2', why: 'deploy' },
      { type: 'web', index: 2, releaseId: 'r2', why: 'deploy' },
    ]);
  });

  it('switches only when the whole batch is healthy, then the old instances leave', () => {
    const [o1, o2] = old() as [AllocView, AllocView];
    const n1 = alloc(v2, 'web', 1, 'healthy', { routed: false });
    const n2 = alloc(v2, 'web', 2, 'starting', { routed: false });
    const half = plan(deploying(), [o1, o2, n1, n2]);
    expect([half.route, half.unroute, half.deploy]).toEqual([[], [], undefined]);
    const n2up = { ...n2, state: { status: 'healthy' as const, since: 0 } };
    const sw = plan(deploying(), [o1, o2, n1, n2up]);
    expect(sw.route.sort()).toEqual([n1.id, n2.id].sort());
    expect(sw.unroute.map((u) => u.id).sort()).toEqual([o1.id, o2.id].sort());
    expect(sw.deploy).toEqual({ outcome: 'succeeded' });
  });

  it('rolls in batches of the configured size', () => {
    const d = deploying({ batchSize: 1 });
    expect(plan(d, old()).place).toEqual([{ type: 'web', index: 1, releaseId: 'r2', why: 'deploy' }]);
    const [o1, o2] = old() as [AllocView, AllocView];
    const n1 = alloc(v2, 'web', 1, 'starting', { routed: false });
    expect(plan(d, [o1, o2, n1]).place).toEqual([]); // batch full
    const n1up = { ...n1, state: { status: 'healthy' as const, since: 0 } };
    const sw = plan(d, [o1, o2, n1up]);
    expect(sw.route).toEqual([n1.id]);
    expect(sw.unroute.map((u) => u.id)).toEqual([o1.id]);
    expect(sw.place).toEqual([]); // the next batch starts once this one serves
    const next = plan(d, [{ ...o1, desired: 'stop', routed: false, stopRequestedAt: 10_000 }, o2, { ...n1up, routed: true }]);
    expect(next.place).toEqual([{ type: 'web', index: 2, releaseId: 'r2', why: 'deploy' }]);
  });

  it('fails when a new instance crashes, keeping the old ones serving', () => {
    const [o1, o2] = old() as [AllocView, AllocView];
    const bad = alloc(v2, 'web', 1, 'crashed', { routed: false, state: { status: 'crashed', since: 0, exitCode: 3 } });
    const ok = alloc(v2, 'web', 2, 'healthy', { routed: false });
    const p = plan(deploying(), [o1, o2, bad, ok]);
    expect(p.deploy).toEqual({ outcome: 'failed', reason: 'web.1 of v2 did not become healthy: it exited with code 3' });
    expect(p.unroute.map((u) => u.id).sort()).toEqual([bad.id, ok.id].sort());
    expect(p.route).toEqual([]);
  });

  it('fails at once when a new instance fails its startup health check', () => {
    const bad = alloc(v2, 'web', 1, 'unhealthy', { routed: false, state: { status: 'unhealthy', since: 0, message: 'GET /health answered 503' } });
    const p = plan(deploying(), [...old(), bad]);
    expect(p.deploy).toEqual({ outcome: 'failed', reason: 'web.1 of v2 did not become healthy: its health check failed (GET /health answered 503)' });
  });

  it('fails when a new instance is not healthy within the boot timeout', () => {
    const slow = alloc(v2, 'web', 1, 'starting', { routed: false, createdAt: 0 });
    const p = plan(deploying(), [...old(), slow], { now: 61_000 });
    expect(p.deploy).toMatchObject({ outcome: 'failed', reason: expect.stringContaining('not healthy within 60s') });
  });

  it('starts the boot timeout once the container runs: fetching the image does not count, up to an allowance', () => {
    // Placed at 0, its image fetched for 90 s, started at 90 s: healthy in time at 140 s.
    const fetched = alloc(v2, 'web', 1, 'starting', { routed: false, createdAt: 0, state: { status: 'starting', since: 90_000 } });
    expect(plan(deploying(), [...old(), fetched], { now: 140_000 }).deploy).toBeUndefined();
    expect(plan(deploying(), [...old(), fetched], { now: 151_000 }).deploy).toMatchObject({ outcome: 'failed', reason: expect.stringContaining('not healthy within 60s') });
    // Still fetching: waits for the allowance, then fails.
    const fetching = alloc(v2, 'web', 1, 'pending', { routed: false, createdAt: 0, state: { status: 'pending', since: 0, message: 'fetching the image' } });
    expect(plan(deploying(), [...old(), fetching], { now: 5 * 60_000 }).deploy).toBeUndefined();
    expect(plan(deploying(), [...old(), fetching], { now: IMAGE_FETCH_ALLOWANCE_MS + 61_000 }).deploy).toMatchObject({ outcome: 'failed' });
    // Its agent never said anything (its host does not answer): the boot timeout from its placement.
    expect(bootDeadline(alloc(v2, 'web', 1, null, { createdAt: 0 }), 60_000)).toBe(60_000);
  });

  it('succeeds at once for a formation scaled to zero', () => {
    expect(plan(deploying({ formation: { web: { quantity: 0, resources: res, constraints: [] } } }), []).deploy).toEqual({ outcome: 'succeeded' });
  });

  it('deploys the first release of an app (nothing serving before)', () => {
    const d = desired({ current: null, target: v1 });
    expect(plan(d, []).place).toHaveLength(2);
    const p = plan(d, [alloc(v1, 'web', 1, 'healthy', { routed: false }), alloc(v1, 'web', 2, 'healthy', { routed: false })]);
    expect(p.route).toHaveLength(2);
    expect(p.deploy).toEqual({ outcome: 'succeeded' });
  });
});

describe('reconcile: ps:restart and ps:stop', () => {
  it('restarts by starting a replacement first; the old one leaves once it is healthy', () => {
    const old = alloc(v1, 'web', 1, 'healthy');
    const other = alloc(v1, 'web', 2, 'healthy');
    const d = desired({ restarts: { [old.id]: 'restart' } });
    const first = plan(d, [old, other]);
    expect(first.place).toEqual([{ type: 'web', index: 1, releaseId: 'r1', why: 'restart' }]);
    expect(first.unroute).toEqual([]);

    const starting = alloc(v1, 'web', 1, 'starting', { routed: false });
    expect(plan(d, [old, other, starting])).toEqual({ place: [], route: [], unroute: [], stop: [], forget: [] });

    const healthy = { ...starting, state: { status: 'healthy' as const, since: 0 } };
    const switched = plan(d, [old, other, healthy]);
    expect(switched.route).toEqual([healthy.id]);
    expect(switched.unroute).toEqual([{ id: old.id, why: 'restarted' }]);
  });

  it('stops at once, and places a replacement to keep the formation', () => {
    const old = alloc(v1, 'web', 1, 'healthy');
    const p = plan(desired({ restarts: { [old.id]: 'stop' } }), [old, alloc(v1, 'web', 2, 'healthy')]);
    expect(p.unroute).toEqual([{ id: old.id, why: 'stopped by a user' }]);
    expect(p.place).toEqual([{ type: 'web', index: 1, releaseId: 'r1', why: 'restart' }]);
  });
});

describe('reconcile: worker-only apps and the release type', () => {
  const withRelease: ReleaseSpec = { id: 'r3', version: 3, processTypes: { web: 'serve', worker: 'work', release: 'migrate' } };
  const workerOnly = (target: ReleaseSpec | null, current: ReleaseSpec | null) =>
    desired({
      current,
      target,
      formation: {
        web: { quantity: 0, resources: res, constraints: [] },
        worker: { quantity: 1, resources: res, constraints: [] },
        // An entry of type release (from before it was refused) never places an instance.
        release: { quantity: 2, resources: res, constraints: [] },
      },
    });

  it('places the worker only, and never a release instance', () => {
    expect(plan(workerOnly(withRelease, null), []).place).toEqual([{ type: 'worker', index: 1, releaseId: 'r3', why: 'deploy' }]);
  });

  it('a deploy whose only instance is a worker succeeds once the worker is up (no port to check)', () => {
    const w = alloc(withRelease, 'worker', 1, 'healthy', { routed: false });
    const p = plan(workerOnly(withRelease, null), [w]);
    expect(p.route).toEqual([w.id]);
    expect(p.deploy).toEqual({ outcome: 'succeeded' });
  });

  it('a worker that exits at once fails the deploy with its exit code', () => {
    const w = alloc(withRelease, 'worker', 1, 'crashed', { routed: false, state: { status: 'crashed', since: 0, exitCode: 3 } });
    const p = plan(workerOnly(withRelease, v1), [w]);
    expect(p.deploy).toEqual({ outcome: 'failed', reason: 'worker.1 of v3 did not become healthy: it exited with code 3' });
  });
});

describe('reconcile: a type that mounts a volume (one writer)', () => {
  const pin = { name: 'pgdata', id: 'v1', hostId: 'h1', source: 'gantry-x-pgdata', target: '/data', concurrent: false };
  const withVolume = (over: Partial<AppDesired> = {}, concurrent = false) =>
    desired({ formation: { worker: { quantity: 1, resources: res, constraints: [], volumes: [{ ...pin, concurrent }] } }, ...over });

  it('deploys stop-first: the old writer leaves, and nothing new is placed until it stopped', () => {
    const old = alloc(v1, 'worker', 1, 'healthy');
    const first = plan(withVolume({ target: v2 }), [old]);
    expect(first.place).toEqual([]);
    expect(first.unroute.map((u) => u.id)).toEqual([old.id]);
    expect(first.unroute[0]!.why).toContain('stops before its replacement starts');
    // Still stopping (drain time not over, then stop sent): still nothing placed.
    const leaving = { ...old, desired: 'stop' as const, routed: false, stopRequestedAt: 9_000 };
    expect(plan(withVolume({ target: v2 }), [leaving]).place).toEqual([]);
    // Stopped: the new release's writer is placed.
    const stopped = { ...leaving, state: { status: 'stopped' as const, since: 0 } };
    expect(plan(withVolume({ target: v2 }), [stopped]).place).toEqual([{ type: 'worker', index: 1, releaseId: 'r2', why: 'deploy' }]);
  });

  it('restarts stop-first too', () => {
    const old = alloc(v1, 'worker', 1, 'healthy');
    const p = plan(withVolume({ restarts: { [old.id]: 'restart' } }), [old]);
    expect(p.place).toEqual([]);
    expect(p.unroute.map((u) => u.id)).toEqual([old.id]);
  });

  it('lets releases overlap when the volume is marked concurrent', () => {
    const old = alloc(v1, 'worker', 1, 'healthy');
    const p = plan(withVolume({ target: v2 }, true), [old]);
    expect(p.place).toEqual([{ type: 'worker', index: 1, releaseId: 'r2', why: 'deploy' }]);
    expect(p.unroute).toEqual([]);
  });

  it('places a writer again once a crashed or lost one is gone', () => {
    const lost = alloc(v1, 'worker', 1, 'healthy', { hostId: 'h3' });
    const p = plan(withVolume(), [lost], { hosts: hosts({ h3: { up: false, draining: false } }) });
    expect(p.forget).toEqual([lost.id]);
    expect(p.place).toEqual([{ type: 'worker', index: 1, releaseId: 'r1', why: 'missing' }]);
  });
});

describe('reconcile: volumes mounted or unmounted while a type runs', () => {
  const pin = { name: 'data', id: 'v1', hostId: 'h2', source: 'gantry-x-v-data', target: '/app/data', concurrent: false };
  const worker = (volumes?: (typeof pin)[]) => desired({ formation: { worker: { quantity: 1, resources: res, constraints: [], ...(volumes ? { volumes } : {}) } } });

  it('replaces an instance started without the volume its type now mounts, stop-first', () => {
    const old = alloc(v1, 'worker', 1, 'healthy', { mounts: [] });
    const p = plan(worker([pin]), [old]);
    expect(p.place).toEqual([]);
    expect(p.unroute.map((u) => u.id)).toEqual([old.id]);
    const stopped = { ...old, desired: 'stop' as const, routed: false, stopRequestedAt: 0, state: { status: 'stopped' as const, since: 0 } };
    expect(plan(worker([pin]), [stopped]).place).toEqual([{ type: 'worker', index: 1, releaseId: 'r1', why: 'missing' }]);
  });

  it('keeps an instance started with the same volumes on their host', () => {
    const ok = alloc(v1, 'worker', 1, 'healthy', { hostId: 'h2', mounts: mountsKey([pin]) });
    expect(plan(worker([pin]), [ok])).toEqual({ place: [], route: [], unroute: [], stop: [], forget: [] });
  });

  it('replaces an instance that runs away from its bound volume (the volume moved)', () => {
    const away = alloc(v1, 'worker', 1, 'healthy', { hostId: 'h1', mounts: mountsKey([pin]) });
    expect(plan(worker([pin]), [away]).unroute.map((u) => u.id)).toEqual([away.id]);
  });

  it('starts the replacement first once the volume is unmounted (the new one writes nothing to it)', () => {
    const mounted = alloc(v1, 'worker', 1, 'healthy', { hostId: 'h2', mounts: mountsKey([pin]) });
    const p = plan(worker(), [mounted]);
    expect(p.place).toEqual([{ type: 'worker', index: 1, releaseId: 'r1', why: 'migrate' }]);
    expect(p.unroute).toEqual([]);
  });

  it('takes allocations without a record of their mounts (placed before volumes of apps) as matching', () => {
    const legacy = alloc(v1, 'worker', 1, 'healthy', { hostId: 'h2' });
    expect(plan(worker([pin]), [legacy]).unroute).toEqual([]);
  });
});

describe('reconcile: a volume moving to another host (volumes:move, addons:move)', () => {
  const pin = { name: 'data', id: 'v1', hostId: 'h2', source: 'gantry-x-v-data', target: '/app/data', concurrent: false };
  const worker = (over: Partial<typeof pin> & { movingTo?: string | null }) => desired({ formation: { worker: { quantity: 1, resources: res, constraints: [], volumes: [{ ...pin, ...over }] } } });

  it('stops the writer and places nothing while the volume moves', () => {
    const running = alloc(v1, 'worker', 1, 'healthy', { hostId: 'h2', mounts: mountsKey([pin]) });
    const p = plan(worker({ movingTo: 'h3' }), [running]);
    expect(p.unroute).toEqual([{ id: running.id, why: expect.stringContaining('volume data is moving to another host') }]);
    expect(p.place).toEqual([]);
  });

  it('stops every instance of a concurrent mount too (no replacement first)', () => {
    const running = alloc(v1, 'worker', 1, 'healthy', { hostId: 'h2', mounts: mountsKey([pin]) });
    const p = plan(worker({ movingTo: 'h3', concurrent: true }), [running]);
    expect(p.unroute.map((u) => u.id)).toEqual([running.id]);
    expect(p.place).toEqual([]);
  });

  it('asks for a placement (which the volume filter refuses) once the writer has stopped', () => {
    const stopped = { ...alloc(v1, 'worker', 1, 'healthy', { hostId: 'h2', mounts: mountsKey([pin]) }), desired: 'stop' as const, routed: false, stopRequestedAt: 0, state: { status: 'stopped' as const, since: 0 } };
    const p = plan(worker({ movingTo: 'h3' }), [stopped]);
    expect(p.forget).toEqual([stopped.id]);
    expect(p.place).toEqual([{ type: 'worker', index: 1, releaseId: 'r1', why: 'missing' }]);
  });

  it('keeps the instance when the move is over and it runs on the volume host', () => {
    const there = alloc(v1, 'worker', 1, 'healthy', { hostId: 'h1', mounts: mountsKey([pin]) });
    expect(plan(worker({ hostId: 'h1', movingTo: null }), [there])).toEqual({ place: [], route: [], unroute: [], stop: [], forget: [] });
  });

  it('leaves other process types alone', () => {
    const web = alloc(v1, 'web', 1, 'healthy');
    const d = desired({ formation: { web: { quantity: 1, resources: res, constraints: [] }, worker: { quantity: 1, resources: res, constraints: [], volumes: [{ ...pin, movingTo: 'h3' }] } } });
    const p = plan(d, [web]);
    expect(p.unroute).toEqual([]);
    expect(p.place).toEqual([{ type: 'worker', index: 1, releaseId: 'r1', why: 'missing' }]);
  });
});
