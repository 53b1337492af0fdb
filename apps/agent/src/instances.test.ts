import { describe, expect, it } from 'vitest';
import type { AllocationStore, AppLogs, Keys } from '@gantry/live';
import type { Redis } from 'ioredis';
import type { DockerHost } from './docker-host';
import { Instances } from './instances';
import { reconcileLocal } from './reconcile-local';

/** Instances over fakes that record every state written for an allocation. */
function fakes() {
  const states: Array<{ allocId: string; status: string }> = [];
  const stopped: string[] = [];
  const host = {
    stop: async (containerId: string) => void stopped.push(containerId),
    list: async () => [{ containerId: 'c1', name: 'app-web.1', labels: { 'gantry.alloc.id': 'a1' }, state: 'running', createdAt: 0 }],
  };
  const allocs = {
    setState: async (allocId: string, state: { status: string }) => void states.push({ allocId, status: state.status }),
    get: async (id: string) => ({ id, appId: 'app', hostId: 'h1', desired: 'run', type: 'web', index: 1 }),
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
  return { instances, states, stopped, host, allocs, deps, launch };
}

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

describe('reconcileLocal', () => {
  it('does not adopt the container of a start still in progress, and adopts it otherwise', async () => {
    const f = fakes();
    const deps = { hostId: 'h1', host: f.deps.host, allocs: f.deps.allocs, instances: f.instances, log: f.deps.log, stopTimeoutMs: 1000, bootTimeoutMs: 1000 };
    f.instances.starting.add('a1');
    await reconcileLocal(deps);
    expect(f.instances.tracked.has('a1')).toBe(false);
    f.instances.starting.delete('a1');
    // Adoption starts watching; the fake host cannot answer status calls, so stop it at once.
    (f.host as unknown as { status: () => Promise<null> }).status = async () => null;
    (f.host as unknown as { lastLines: () => Promise<string[]> }).lastLines = async () => [];
    (f.host as unknown as { follow: () => Promise<void> }).follow = async () => {};
    await reconcileLocal(deps);
    expect(f.instances.tracked.has('a1')).toBe(true);
    await f.instances.stop('a1', 1000);
    expect(f.stopped).toEqual(['c1']);
  });
});
