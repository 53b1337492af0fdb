/**
 * The control loop (run by the leader only). Anything that changes what an app should run or
 * what it runs wakes that app; a pass reads the state, asks the pure core what to do, and applies
 * it. Passes run one at a time, so two never place onto the same free resources.
 *
 *   wake(app) ─┐   events (agents' state changes, deploys, scaling, hosts)
 *   timers   ──┼─> queue ─> pass(app): loadHosts + loadApp + allocations -> reconcile -> applyPlan
 *   sweep    ──┘   every few seconds: every app, orphans, host up/down changes
 */
import { hostRecord } from '@gantry/control';
import { WAKE_START_ALLOWANCE_MS } from '@gantry/core';
import type { Db } from '@gantry/db';
import type { AllocationStore, CertStore, HostRegistry, RestartRequests, RoutingTable } from '@gantry/live';
import type { Logger } from '@gantry/log';
import { bootDeadline, type AllocView, reconcile } from '@gantry/scheduler-core';
import { applyPlan, type ApplyDeps } from './apply';
import { describeError } from './describe-error';
import { loadApp, loadHosts, type HostState } from './state';

export interface LoopDeps extends ApplyDeps {
  db: Db;
  certs: CertStore;
  registry: HostRegistry;
  routes: RoutingTable;
  /** Users' ps:restart / ps:stop requests. */
  restarts: RestartRequests;
  graceMs: number;
  drainMs: number;
  cpuOvercommit: number;
  isLeader: () => boolean;
}

export class ControlLoop {
  private readonly queue = new Set<string>();
  private running = false;
  private sweepRequested = false;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private lastHosts = '';

  constructor(private readonly deps: LoopDeps) {}

  wake(appId: string): void {
    this.queue.add(appId);
    void this.drain();
  }

  /** Every app, plus allocations and routes of apps that no longer exist. */
  sweep(): void {
    this.sweepRequested = true;
    void this.drain();
  }

  stop(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.queue.clear();
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.deps.isLeader() && (this.queue.size || this.sweepRequested)) {
        if (this.sweepRequested) {
          this.sweepRequested = false;
          // Not caught, a Postgres or Redis outage here rejected drain() (called with void):
          // an unhandled rejection, which ended the process. The next sweep tries again.
          try {
            for (const id of await this.appIds()) this.queue.add(id);
          } catch (err) {
            this.deps.log.error(`sweep: ${describeError(err)}`);
          }
        }
        const [appId] = this.queue;
        if (appId === undefined) continue;
        this.queue.delete(appId);
        await this.pass(appId).catch((err: Error) => this.deps.log.error(`pass of ${appId}: ${describeError(err)}`));
      }
    } finally {
      this.running = false;
    }
  }

  /** Apps in the database, and apps that only have allocations left (destroyed ones). */
  private async appIds(): Promise<string[]> {
    const apps = await this.deps.db.app.findMany({ select: { id: true } });
    const ids = new Set(apps.map((a) => a.id));
    for (const a of await this.deps.allocs.all()) ids.add(a.appId);
    const { routes } = await this.deps.routes.load();
    const stale = [...routes].filter(([, r]) => !ids.has(r.appId)).map(([host]) => host);
    if (stale.length) await this.deps.routes.set(Object.fromEntries(stale.map((h) => [h, null])));
    return [...ids];
  }

  /** Mirrors the hosts table into the registry agents and the supervisor read (Redis). */
  async syncRegistry(): Promise<void> {
    const rows = await this.deps.db.host.findMany();
    const known = new Map((await this.deps.registry.all()).map((h) => [h.id, JSON.stringify(h)]));
    for (const h of rows) {
      const rec = hostRecord(h);
      if (known.get(h.id) !== JSON.stringify(rec)) await this.deps.registry.put(rec);
      known.delete(h.id);
    }
    for (const id of known.keys()) await this.deps.registry.remove(id);
  }

  /** Mirrors every app's certificates from the database into what routers read. */
  async syncCerts(): Promise<void> {
    const rows = await this.deps.db.certificate.findMany({ orderBy: { createdAt: 'asc' } });
    const byApp = new Map<string, typeof rows>();
    for (const c of rows) (byApp.get(c.appId) ?? byApp.set(c.appId, []).get(c.appId)!).push(c);
    const inRedis = new Set([...(await this.deps.certs.all()).values()].map((c) => c.appId));
    for (const appId of new Set([...byApp.keys(), ...inRedis])) {
      const certs = byApp.get(appId) ?? [];
      await this.deps.certs.replaceApp(appId, certs.map((c) => ({ id: c.id, appId, certPem: c.certPem, keyEncrypted: c.keyEncrypted, notAfter: c.notAfter.toISOString(), hostnames: c.hostnames })));
    }
  }

  /** Watches hosts going up, down or draining. */
  async checkHosts(): Promise<void> {
    const hosts = await loadHosts(this.deps.db, this.deps.registry, Date.now(), this.deps.graceMs, this.deps.cpuOvercommit);
    const sig = [...hosts.values()].map((h) => `${h.view.id}:${h.view.up}:${h.view.draining}`).join(',');
    if (sig !== this.lastHosts) {
      if (this.lastHosts) {
        const changes = [...hosts.values()].filter((h) => !this.lastHosts.includes(`${h.view.id}:${h.view.up}:${h.view.draining}`));
        this.deps.log.info(`hosts changed: ${changes.map((h) => `${h.name} ${h.view.up ? 'up' : 'down'}${h.view.draining ? ' (draining)' : ''}`).join(', ') || 'removed'}`);
      }
      this.lastHosts = sig;
      this.sweep();
    }
  }

  async pass(appId: string): Promise<void> {
    const now = Date.now();
    const hosts = await loadHosts(this.deps.db, this.deps.registry, now, this.deps.graceMs, this.deps.cpuOvercommit);
    const state = await loadApp(this.deps.db, appId, this.deps.appsDomain, this.deps.installation, this.deps.bootTimeoutMs + WAKE_START_ALLOWANCE_MS, (m) => this.deps.log.warn(m));
    const allocs = await this.deps.allocs.ofApp(appId);
    if (!state) {
      // Destroyed: forget its allocations (agents remove the containers) and its route.
      for (const a of allocs) await this.deps.allocs.remove(a);
      await this.deps.allocs.setPending(appId, {});
      await this.deps.routes.setApp(appId, [], null);
      await this.deps.names.setApp(appId, null);
      await this.deps.certs.replaceApp(appId, []);
      return;
    }
    const states = await this.deps.allocs.states(allocs.map((a) => a.id));
    const views: AllocView[] = allocs.map((a) => ({ ...a, state: states.get(a.id) ?? null }));
    const restarts = await this.deps.restarts.ofApp(appId);
    // A request is done once its allocation leaves (or is gone).
    const done = Object.keys(restarts).filter((id) => !views.some((a) => a.id === id && a.desired === 'run'));
    await this.deps.restarts.drop(appId, done);
    for (const id of done) delete restarts[id];
    const plan = reconcile({
      desired: { ...state.desired, restarts },
      allocs: views,
      hosts: new Map([...hosts].map(([id, h]) => [id, h.view])),
      now,
      bootTimeoutMs: this.deps.bootTimeoutMs,
      drainMs: this.deps.drainMs,
    });
    const placed = plan.place.length ? await this.deps.allocs.all() : [];
    await applyPlan(this.deps, { state, plan, allocs: views, hosts, placed, now });
    this.scheduleTimers(appId, views, hosts, now);
  }

  /** Passes that time alone triggers: the end of a drain, a boot deadline. */
  private scheduleTimers(appId: string, allocs: AllocView[], hosts: Map<string, HostState>, now: number): void {
    let next = Infinity;
    for (const a of allocs) {
      if (!hosts.get(a.hostId)?.view.up) continue;
      if (a.desired === 'stop' && a.stopRequestedAt !== undefined) next = Math.min(next, a.stopRequestedAt + this.deps.drainMs);
      else if (a.desired === 'run' && a.state?.status !== 'healthy') next = Math.min(next, bootDeadline(a, this.deps.bootTimeoutMs) + 100);
    }
    const old = this.timers.get(appId);
    if (old) clearTimeout(old);
    this.timers.delete(appId);
    if (next === Infinity) return;
    const t = setTimeout(() => {
      this.timers.delete(appId);
      this.wake(appId);
    }, Math.max(50, next - now));
    t.unref();
    this.timers.set(appId, t);
  }
}
