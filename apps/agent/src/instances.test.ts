import { describe, expect, it } from 'vitest';
import type { AllocationStore, AppLogs, Keys } from '@gantry/live';
import type { Redis } from 'ioredis';
import type { DockerHost, InstanceStatus } from './docker-host';
import { Instances } from './instances';
import { reconcileLocal } from './reconcile-local';

/** Instances over fakes that record every state written for an allocation. */
function fakes() {
  const states: Array<{ allocId: string; status: string }> = [];
  const stopped: string[] = [];
  const started: string[] = [];
  const restarted: string[] = [];
  let removal: { removed: true } | { removed: false; why: string } = { removed: true };
  const containers = [{ containerId: 'c1', name: 'app-web.1', labels: { 'gantry.alloc.id': 'a1' }, state: 'running', createdAt: 0 }];
  // What inspecting c1 answers (null: no such container).
  let status: Partial<InstanceStatus> | null = { running: true, restarting: false, exitCode: null, ip: null, hostPort: null, startedAt: 1 };
  const host = {
    stop: async (containerId: string): Promise<{ removed: true } | { removed: false; why: string }> => {
      stopped.push(containerId);
      return removal;
    },
    list: async () => containers,
    status: async () => (status ? { ...status } : null),
    startExisting: async (containerId: string) => void started.push(containerId),
    restart: async (containerId: string) => void restarted.push(containerId),
    lastLines: async () => [],
    follow: async () => {},
  };
  const current = new Map<string, { status: string }>();
  const allocs = {
    setState: async (allocId: string, state: { status: string }) => {
      states.push({ allocId, status: state.status });
      current.set(allocId, state);
    },
    get: async (id: string) => ({ id, appId: 'app', hostId: 'h1', desired: 'run', type: 'web', index: 1 }),
    all: async () => [{ id: 'a1', appId: 'app', hostId: 'h1', desired: 'run', type: 'web', index: 1 }],
    states: async (ids: string[]) => new Map(ids.filter((id) => current.has(id)).map((id) => [id, current.get(id)])),
  };
  const deps = {
    host: host as unknown as DockerHost,
    allocs: allocs as unknown as AllocationStore,
    logs: { append: async () => {}, appendLines: async () => {} } as unknown as AppLogs,
    redis: { publish: async () => 0 } as unknown as Redis,
    keys: { events: 'events' } as unknown as Keys,
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
    local: true,
    stopTimeoutMs: 1000,
  };
  const instances = new Instances(deps);
  const launch = { allocId: 'a1', appId: 'app', process: 'web.1', startup: null, liveness: null, hostHeader: '', bootTimeoutMs: 1000, exposesPort: true } as never;
  const setStatus = (s: Partial<InstanceStatus> | null) => (status = s);
  const failRemoval = (why: string) => (removal = { removed: false, why });
  return { instances, states, stopped, started, restarted, containers, host, allocs, deps, launch, setStatus, failRemoval };
}

const until = async (what: string, ok: () => boolean, ms = 5000) => {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('Instances', () => {
  it('drops a state reported for an instance after it was stopped (a check still running then)', async () => {
    const f = fakes();
    const t = f.instances.track(f.launch, 'c1');
    await f.instances.report(t, 'healthy');
    await f.instances.stop('a1', 1000);
    await f.instances.report(t, 'unhealthy');
    expect(f.states.map((s) => s.status)).toEqual(['healthy', 'stopped']);
  });

  it('drops states reported by a tracker that a newer one replaced', async () => {
    const f = fakes();
    const older = f.instances.track(f.launch, 'c1');
    const newer = f.instances.track(f.launch, 'c1');
    await f.instances.report(older, 'crashed');
    await f.instances.report(newer, 'healthy');
    expect(f.states.map((s) => s.status)).toEqual(['healthy']);
  });
});

describe('stopping', () => {
  it('reports stopped a container that stopped but could not be removed (its removal is the reconcile\'s)', async () => {
    const f = fakes();
    f.failRemoval('driver "overlay2" failed to remove root filesystem: device or resource busy');
    const t = f.instances.track(f.launch, 'c1');
    await f.instances.report(t, 'healthy');
    await f.instances.stop('a1', 1000);
    expect(f.states.map((s) => s.status)).toEqual(['healthy', 'stopped']);
    expect(f.instances.tracked.has('a1')).toBe(false);
  });
});

describe('reconcileLocal', () => {
  it('does not adopt the container of a start still in progress, and adopts it otherwise', async () => {
    const f = fakes();
    const deps = { hostId: 'h1', host: f.deps.host, allocs: f.deps.allocs, instances: f.instances, log: f.deps.log, stopTimeoutMs: 1000, bootTimeoutMs: 1000, onLost: async () => {}, findVanished: true };
    f.instances.starting.add('a1');
    await reconcileLocal(deps);
    expect(f.instances.tracked.has('a1')).toBe(false);
    f.instances.starting.delete('a1');
    // Adoption starts watching (the fake container never answers, so it stays starting).
    await reconcileLocal(deps);
    expect(f.instances.tracked.has('a1')).toBe(true);
    await f.instances.stop('a1', 1000);
    expect(f.stopped).toEqual(['c1']);
  });
});

describe('self-healing', () => {
  const deps = (f: ReturnType<typeof fakes>, lost: string[] = []) => ({
    hostId: 'h1',
    host: f.deps.host,
    allocs: f.deps.allocs,
    instances: f.instances,
    log: f.deps.log,
    stopTimeoutMs: 1000,
    bootTimeoutMs: 1000,
    onLost: async (_app: string, id: string) => void lost.push(id),
    findVanished: true,
  });

  it('starts again a container adopted stopped (stopped while its agent was down)', async () => {
    const f = fakes();
    f.containers[0]!.state = 'exited';
    f.setStatus({ running: false, restarting: false, exitCode: 143, ip: null, hostPort: null, startedAt: 1 });
    await reconcileLocal(deps(f));
    await until('crashed reported', () => f.states.some((s) => s.status === 'crashed'));
    // After the 1 s backoff the agent starts it itself: Docker does not restart a stopped container.
    await until('started again', () => f.started.includes('c1'), 3000);
    await f.instances.stop('a1', 1000);
  });

  it('checks an instance anew when its container was started again behind its back (engine restart)', async () => {
    const f = fakes();
    const t = f.instances.track(f.launch, 'c1');
    await f.instances.report(t, 'healthy');
    t.startedAt = 1;
    await f.instances.audit(t);
    expect(f.states.map((s) => s.status)).toEqual(['healthy']);
    f.setStatus({ running: true, restarting: false, exitCode: null, ip: null, hostPort: null, startedAt: 2 });
    void f.instances.audit(t);
    await until('starting reported', () => f.states.at(-1)?.status === 'starting');
    expect(t.state.restarts).toBe(1);
    await f.instances.stop('a1', 1000);
  });

  it('reports stopped an instance whose container is gone, so its slot is placed again', async () => {
    const f = fakes();
    const t = f.instances.track(f.launch, 'c1');
    await f.instances.report(t, 'healthy');
    f.setStatus(null);
    await f.instances.audit(t);
    expect(f.states.at(-1)?.status).toBe('stopped');
    expect(f.instances.tracked.has('a1')).toBe(false);

    // And one nobody tracks (the agent restarted meanwhile): the reconcile reports it.
    const g = fakes();
    const lost: string[] = [];
    g.containers.length = 0;
    await g.allocs.setState('a1', { status: 'healthy' });
    await reconcileLocal(deps(g, lost));
    expect(g.states.at(-1)?.status).toBe('stopped');
    expect(lost).toEqual(['a1']);
  });

  it('restarts an instance that does not pass its startup check in time (boot timeout), with backoff', async () => {
    const f = fakes();
    const t = f.instances.track({ ...(f.launch as object), bootTimeoutMs: 300 } as never, 'c1');
    await f.instances.watch(t);
    expect(f.states.map((s) => s.status)).toEqual(['starting', 'unhealthy']);
    expect(t.busy).toBe(true); // the audit leaves it to the restart
    await until('restarted after the 1 s backoff', () => f.restarted.includes('c1'), 3000);
    await f.instances.stop('a1', 1000);
  });

  it('leaves alone an allocation whose start command has not run yet', async () => {
    const f = fakes();
    const lost: string[] = [];
    f.containers.length = 0;
    await reconcileLocal(deps(f, lost));
    expect(f.states).toEqual([]);
    expect(lost).toEqual([]);
  });
});
