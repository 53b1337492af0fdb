/**
 * The supervision loop of sidecars.ts against an in-memory engine (its adapter is a parameter,
 * nothing is mocked by module) and fake timers: backoff, its reset, restarts with the instance,
 * and the end of supervision when the instance stops. The real engine is in test/e2e/sidecars.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SidecarState } from '@gantry/scheduler-core';
import type { Tracked } from './instances';
import { Sidecars, type SidecarsDeps } from './sidecars';

interface FakeContainer {
  running: boolean;
  startedAt: number;
  exitCode: number;
  starts: number;
  /** Pending waits: an exit code resolves them, an error (a broken connection) rejects them. */
  waiters: ((outcome: number | Error) => void)[];
}

/** One instance container ("inst") and the sidecars created beside it. */
class FakeEngine {
  readonly containers = new Map<string, FakeContainer>();
  instance = { running: true, startedAt: Date.now() };
  readonly created: Record<string, string>[] = [];
  private next = 0;

  exit(id: string, code: number): void {
    const c = this.containers.get(id)!;
    c.running = false;
    c.exitCode = code;
    for (const w of c.waiters.splice(0)) w(code);
  }

  readonly adapter: SidecarsDeps['containers'] = {
    create: async (spec) => {
      this.created.push(spec.env);
      const id = `side-${++this.next}`;
      this.containers.set(id, { running: false, startedAt: 0, exitCode: 0, starts: 0, waiters: [] });
      return id;
    },
    start: async (id) => {
      const c = this.containers.get(id)!;
      if (!this.instance.running) throw new Error('cannot join network of a non running container');
      if (c.running) return;
      c.running = true;
      c.starts++;
      c.startedAt = Date.now();
    },
    wait: (id) => {
      const c = this.containers.get(id);
      if (!c) return Promise.resolve(null);
      return c.running ? new Promise<number>((resolve, reject) => c.waiters.push((o) => (o instanceof Error ? reject(o) : resolve(o)))) : Promise.resolve(c.exitCode);
    },
    inspect: async (id) => {
      const c = this.containers.get(id);
      return c ? { running: c.running, startedAt: c.startedAt, exitCode: c.exitCode } : null;
    },
    stop: async (id) => {
      if (this.containers.get(id)?.running) this.exit(id, 143);
    },
    remove: async (id) => {
      if (this.containers.get(id)?.running) this.exit(id, 137);
      this.containers.delete(id);
    },
    envOf: async () => ({ PATH: '/usr/bin', GANTRY_PRIVATE_IP: '10.80.0.5' }),
    list: async () => [],
    scratchVolumes: async () => [],
    removeVolume: async () => true,
  };
}

const sidecarSpec = { sidecar: 'metrics', name: 'x-metrics', image: 'img', cmd: ['/bin/sh', '-c', 'm'], env: { GANTRY_SIDECAR: 'metrics', DYNO: 'web.1' }, labels: {}, memoryBytes: 1, cpuShares: 2 };

describe('sidecar supervision', () => {
  let engine: FakeEngine;
  let sidecars: Sidecars;
  let tracker: Tracked;
  let published: SidecarState[][];
  let events: string[];

  beforeEach(async () => {
    vi.useFakeTimers({ now: Date.parse('2026-12-01T00:00:00Z') });
    engine = new FakeEngine();
    published = [];
    events = [];
    tracker = { allocId: 'a1', appId: 'app', process: 'web.1', containerId: 'inst', stopping: false, busy: false, state: { status: 'healthy', since: 0 } } as unknown as Tracked;
    sidecars = new Sidecars({
      containers: engine.adapter,
      host: {
        status: async () => ({ running: engine.instance.running, restarting: false, exitCode: null, ip: null, privateIp: null, hostPort: null, startedAt: engine.instance.startedAt }),
        follow: () => new Promise<void>(() => {}),
      },
      allocs: { setState: async (_id, state) => void published.push(state.sidecars ?? []) },
      logs: { append: async (_app, entries) => void events.push(...entries.map((e) => `${e.process}: ${e.line}`)), appendLines: async () => {} },
      log: { debug() {}, info() {}, warn() {}, error() {} },
      stopTimeoutMs: 1000,
      tracker: (id) => (id === tracker.allocId ? tracker : undefined),
    });
    await sidecars.start({ allocId: 'a1', appId: 'app', process: 'web.1', spec: { name: 'x', image: 'img', env: {}, labels: {}, memoryBytes: 1, cpuShares: 2, exposesPort: true, scratch: 'x-scratch' }, sidecars: [sidecarSpec] }, 'inst');
    await vi.advanceTimersByTimeAsync(0);
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  const only = () => [...engine.containers.entries()][0]!;
  const last = () => published.at(-1)![0]!;

  it('starts the sidecar and reports it running', () => {
    const [, c] = only();
    expect(c.running).toBe(true);
    expect(last()).toMatchObject({ name: 'metrics', status: 'running', restarts: 0 });
  });

  it('gives it its instance container\'s environment under its own', () => {
    expect(engine.created).toEqual([{ PATH: '/usr/bin', GANTRY_PRIVATE_IP: '10.80.0.5', GANTRY_SIDECAR: 'metrics', DYNO: 'web.1' }]);
  });

  it('starts it again after 1 s, 2 s, 4 s... while it keeps exiting', async () => {
    const [id, c] = only();
    for (const delay of [1000, 2000, 4000, 8000]) {
      engine.exit(id, 3);
      await vi.advanceTimersByTimeAsync(0);
      expect(last()).toMatchObject({ status: 'restarting', exitCode: 3 });
      await vi.advanceTimersByTimeAsync(delay - 10);
      expect(c.running).toBe(false);
      await vi.advanceTimersByTimeAsync(10);
      expect(c.running).toBe(true);
    }
    expect(last()).toMatchObject({ status: 'running', restarts: 4 });
    expect(events).toContain('web.1/metrics: Process exited with status 3; starting it again in 8 s');
  });

  it('never waits more than 30 s, and starts from 1 s again after a minute up', async () => {
    const [id, c] = only();
    for (let n = 0; n < 7; n++) {
      engine.exit(id, 1);
      await vi.advanceTimersByTimeAsync(30_000);
      expect(c.running).toBe(true);
    }
    await vi.advanceTimersByTimeAsync(60_000);
    engine.exit(id, 1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(c.running).toBe(true);
  });

  it('restarts it at once, without backoff, when its instance started again', async () => {
    const [, c] = only();
    const startsBefore = c.starts;
    await vi.advanceTimersByTimeAsync(5000);
    engine.instance.startedAt = Date.now();
    await sidecars.instanceStarted(tracker);
    await vi.advanceTimersByTimeAsync(0);
    expect(c.starts).toBe(startsBefore + 1);
    expect(c.running).toBe(true);
    expect(c.startedAt).toBeGreaterThanOrEqual(engine.instance.startedAt);
    // Started after its instance: nothing more to do.
    await sidecars.instanceStarted(tracker);
    await vi.advanceTimersByTimeAsync(0);
    expect(c.starts).toBe(startsBefore + 1);
  });

  it('keeps trying while its instance is down, and starts it with the instance', async () => {
    const [id, c] = only();
    engine.instance.running = false;
    engine.exit(id, 137);
    await vi.advanceTimersByTimeAsync(1000 + 2000 + 4000);
    expect(c.running).toBe(false);
    expect(last().message).toContain('could not start');
    engine.instance = { running: true, startedAt: Date.now() };
    await sidecars.instanceStarted(tracker);
    await vi.advanceTimersByTimeAsync(0);
    expect(c.running).toBe(true);
  });

  it('waits out an unreachable engine (daemon restart), then starts it beside its instance', async () => {
    const [id, c] = only();
    // The daemon goes away: every call fails, the wait in progress too; its containers stop.
    const { wait, start } = engine.adapter;
    engine.adapter.wait = async () => {
      throw new Error('connect ENOENT /var/run/docker.sock');
    };
    engine.adapter.start = async () => {
      throw new Error('connect ENOENT /var/run/docker.sock');
    };
    engine.instance.running = false;
    const waiters = c.waiters.splice(0);
    c.running = false;
    for (const w of waiters) w(new Error('socket hang up')); // the wait's connection breaks
    await vi.advanceTimersByTimeAsync(5000);
    expect(c.running).toBe(false);
    // Back, with its instance started again by its restart policy.
    engine.adapter.wait = wait;
    engine.adapter.start = start;
    engine.instance = { running: true, startedAt: Date.now() };
    await sidecars.instanceStarted(tracker);
    await vi.advanceTimersByTimeAsync(0);
    expect(c.running).toBe(true);
    expect(c.startedAt).toBeGreaterThanOrEqual(engine.instance.startedAt);
    expect(id).toBe('side-1');
  });

  it('stops supervising when its instance stops, and removes it', async () => {
    const [id] = only();
    sidecars.stopping('a1');
    engine.exit(id, 143);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(engine.containers.get(id)!.running).toBe(false);
    await sidecars.remove('a1');
    expect(engine.containers.size).toBe(0);
    expect(sidecars.groups.size).toBe(0);
  });
});
