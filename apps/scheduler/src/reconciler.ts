/**
 * The control loop: every few seconds (and on demand) each app is brought to its desired state,
 * its current release's formation, with the pure reconcile() deciding what to start and stop.
 * Deploys hold the app's deploy lock; the loop skips apps that are being deployed.
 */
import type { Ctx } from '@gantry/control';
import type { ProcessTypes, HealthChecks } from '@gantry/core';
import { type InstanceRecord, type Keys, Lock } from '@gantry/live';
import type { Redis } from 'ioredis';
import type { Logger } from '@gantry/log';
import { reconcile, type ActualInstance } from './core/reconcile';
import { INSTANCE_PORT } from './core/instance-spec';
import { hostnameFor } from './core/routes';
import { probe } from './health';
import type { Runtime } from './runtime';
import type { Docker } from '@gantry/docker';

/** Makes the instance records of an app match the containers Docker has. */
export async function syncRecords(runtime: Runtime, appId: string): Promise<InstanceRecord[]> {
  const { host, instances } = runtime.deps;
  const [containers, records] = await Promise.all([host.list(appId), instances.list(appId)]);
  const byContainer = new Map(records.map((r) => [r.containerId, r]));
  for (const r of records) if (!containers.some((c) => c.containerId === r.containerId)) await instances.remove(appId, r.id);
  for (const c of containers) {
    if (byContainer.has(c.containerId)) continue;
    const st = await host.status(c.containerId);
    if (!st) continue;
    const rec: InstanceRecord = {
      id: c.name,
      containerId: c.containerId,
      appId,
      releaseId: c.labels['gantry.release.id'] ?? '',
      release: Number(c.labels['gantry.release'] ?? 0),
      type: c.labels['gantry.process.type'] ?? 'web',
      index: Number(c.labels['gantry.process.index'] ?? 1),
      // Found without a record (e.g. after a restart): health is checked before it serves.
      state: st.running ? 'starting' : 'crashed',
      host: host.opts.name,
      address: host.opts.address,
      port: st.hostPort,
      startedAt: st.startedAt,
      exitCode: st.exitCode,
      message: null,
      routed: true,
    };
    await instances.put(rec);
  }
  return instances.list(appId);
}

export interface ReconcilerDeps {
  ctx: Ctx;
  runtime: Runtime;
  docker: Docker;
  redis: Redis;
  keys: Keys;
  log: Logger;
}

export class Reconciler {
  private running = false;

  constructor(private readonly deps: ReconcilerDeps) {}

  /** One pass over every app, plus removal of containers whose app is gone. */
  async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const apps = await this.deps.ctx.db.app.findMany({ select: { id: true, name: true, currentReleaseId: true } });
      for (const app of apps) {
        await this.reconcileApp(app).catch((err: Error) => this.deps.log.error(`reconcile ${app.name}: ${err.message}`));
      }
      await this.removeOrphans(new Set(apps.map((a) => a.id)));
    } finally {
      this.running = false;
    }
  }

  async reconcileApp(app: { id: string; name: string; currentReleaseId: string | null }): Promise<void> {
    const { runtime, ctx } = this.deps;
    const lock = new Lock(this.deps.redis, this.deps.keys.deployLock(app.id), 60_000);
    if (!(await lock.tryAcquire('reconcile'))) return; // a deploy is running
    try {
      // The app may have been destroyed since the pass began; the cleanup job owns it then.
      const fresh = await ctx.db.app.findUnique({ where: { id: app.id }, select: { currentReleaseId: true } });
      if (!fresh) return;
      app = { ...app, currentReleaseId: fresh.currentReleaseId };
      const records = await syncRecords(runtime, app.id);
      const release = app.currentReleaseId ? await ctx.db.release.findUnique({ where: { id: app.currentReleaseId } }) : null;
      const formation = await ctx.db.formationEntry.findMany({ where: { appId: app.id } });
      const types = (release?.processTypes ?? {}) as ProcessTypes;
      const desired =
        release?.imageRef && release.status === 'succeeded'
          ? { releaseId: release.id, quantities: Object.fromEntries(formation.filter((f) => f.type in types).map((f) => [f.type, f.quantity])) }
          : null;
      const actual: ActualInstance[] = records.map((r) => ({
        id: r.id,
        releaseId: r.releaseId,
        type: r.type,
        index: r.index,
        // Docker restarts crashed containers itself (restart policy); only stopped ones are dead.
        alive: r.state !== 'stopping',
        createdAt: r.startedAt,
      }));
      const plan = reconcile(desired, actual);
      const byId = new Map(records.map((r) => [r.id, r]));

      for (const s of plan.stop) {
        const r = byId.get(s.id)!;
        if (r.state === 'stopping') continue;
        await runtime.stop(r, 'not part of the current formation');
      }
      for (const k of plan.keep) await this.refresh(byId.get(k.id)!, app, (release?.healthChecks ?? {}) as unknown as HealthChecks);
      if (desired && release && plan.start.length) {
        const sizes = new Map(formation.map((f) => [f.type, f.size]));
        const launcherLabel = (await this.deps.docker.getImage(release.imageRef!).inspect()).Config?.Labels?.['gantry.launcher'];
        for (const s of plan.start) {
          this.deps.log.info(`${app.name}: starting missing ${s.type}.${s.index} of v${release.version}`);
          await runtime.boot({
            app,
            release: { id: release.id, version: release.version, imageRef: release.imageRef!, config: release.config as Record<string, string> },
            type: s.type,
            index: s.index,
            command: types[s.type] ?? '',
            launcher: launcherLabel === 'buildpack' ? 'buildpack' : 'shell',
            size: sizes.get(s.type) ?? 'standard-1x',
            check: ((release.healthChecks ?? {}) as unknown as HealthChecks)[s.type],
            routed: true,
          });
        }
      }
      await runtime.publishRoute(app);
    } finally {
      await lock.release();
    }
  }

  /** A kept instance that is running but not known healthy (found after a restart): check it. */
  private async refresh(r: InstanceRecord, app: { id: string; name: string }, checks: HealthChecks): Promise<void> {
    const { host, instances } = this.deps.runtime.deps;
    const st = await host.status(r.containerId);
    if (!st) return;
    if (st.running && !st.restarting) {
      this.deps.runtime.ship(r, Date.now() - 1000);
      if (r.state === 'up' && r.port === st.hostPort) return;
      const check = checks[r.type] ?? { kind: 'tcp' as const, timeoutMs: 1000, intervalMs: 250, initialDelayMs: 0 };
      const ok = r.type !== 'web' || (st.ip ? (await probe(check, st.ip, INSTANCE_PORT, hostnameFor(app.name, this.deps.runtime.deps.appsDomain))).ok : false);
      await instances.put({ ...r, state: ok ? 'up' : 'starting', port: st.hostPort, startedAt: st.startedAt, exitCode: null, routed: r.routed ?? true });
    } else if (r.state !== 'crashed') {
      await instances.put({ ...r, state: 'crashed', exitCode: st.exitCode });
    }
  }

  /** Containers and routes of apps that no longer exist (e.g. a cleanup job that failed). */
  private async removeOrphans(appIds: Set<string>): Promise<void> {
    const { host, routes } = this.deps.runtime.deps;
    const { routes: table } = await routes.load();
    const gone = [...table].filter(([, r]) => !appIds.has(r.appId)).map(([hostname]) => hostname);
    if (gone.length) {
      const still = await this.deps.ctx.db.app.findMany({ where: { id: { in: [...new Set(gone.map((h) => table.get(h)!.appId))] } }, select: { id: true } });
      const stale = gone.filter((h) => !still.some((a) => a.id === table.get(h)!.appId));
      if (stale.length) await routes.set(Object.fromEntries(stale.map((h) => [h, null])));
    }
    for (const c of await host.list()) {
      const appId = c.labels['gantry.app.id'];
      if (appId && !appIds.has(appId)) {
        this.deps.log.info(`removing ${c.name}: its app is gone`);
        await host.stop(c.containerId, 2000).catch(() => {});
        await this.deps.runtime.deps.instances.clearApp(appId);
      }
    }
  }
}
