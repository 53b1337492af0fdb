/**
 * What the scheduler does to instances on its Docker host: boot one (start, ship its logs,
 * wait until healthy), stop one, and publish an app's route from the instances that serve.
 * Live state goes to Redis (InstanceStore, RoutingTable, AppLogs) as it changes.
 */
import { randomBytes } from 'node:crypto';
import type { HealthCheck } from '@gantry/core';
import { DEFAULT_HEALTH_CHECK } from '@gantry/core';
import type { AppLogs, InstanceRecord, InstanceStore, LogSource, RoutingTable } from '@gantry/live';
import type { Logger } from '@gantry/log';
import { INSTANCE_PORT, instanceSpec, type InstanceSpecInput, type Launcher } from './core/instance-spec';
import { hostnameFor, routeFor, sameBackends } from './core/routes';
import type { DockerHost } from './docker-host';
import { waitHealthy, type BootOutcome } from './health';

export interface RuntimeDeps {
  host: DockerHost;
  instances: InstanceStore;
  routes: RoutingTable;
  logs: AppLogs;
  log: Logger;
  installation: string;
  appsDomain: string;
  bootTimeoutMs: number;
  stopTimeoutMs: number;
}

export interface BootRequest {
  app: { id: string; name: string };
  release: InstanceSpecInput['release'];
  type: string;
  index: number;
  command: string;
  launcher: Launcher;
  size: string;
  check?: HealthCheck;
  /** Whether the instance joins the route as soon as it is healthy. */
  routed: boolean;
}

export type BootResult = { ok: true; record: InstanceRecord } | { ok: false; reason: string; lastLines: string[]; record: InstanceRecord | null };

export class Runtime {
  /** Containers whose output is being shipped, so each is followed once. */
  private readonly following = new Set<string>();

  constructor(readonly deps: RuntimeDeps) {}

  async event(appId: string, line: string, process = 'api', source: LogSource = 'gantry'): Promise<void> {
    await this.deps.logs.append(appId, [{ source, process, line }]).catch(() => {});
  }

  async boot(req: BootRequest): Promise<BootResult> {
    const { host, instances } = this.deps;
    const spec = instanceSpec({
      installation: this.deps.installation,
      app: req.app,
      release: req.release,
      type: req.type,
      index: req.index,
      command: req.command,
      launcher: req.launcher,
      size: req.size,
      suffix: randomBytes(3).toString('hex'),
    });
    const process = `${req.type}.${req.index}`;
    let started;
    try {
      started = await host.start(spec);
    } catch (err) {
      return { ok: false, reason: `could not start: ${(err as Error).message}`, lastLines: [], record: null };
    }
    const record: InstanceRecord = {
      id: spec.name,
      containerId: started.containerId,
      appId: req.app.id,
      releaseId: req.release.id,
      release: req.release.version,
      type: req.type,
      index: req.index,
      state: 'starting',
      host: host.opts.name,
      address: host.opts.address,
      port: null,
      startedAt: Date.now(),
      exitCode: null,
      message: null,
      routed: req.routed,
    };
    await instances.put(record);
    this.ship(record, Date.now() - 1000);
    await this.event(req.app.id, `Starting process ${process} of v${req.release.version}`, process);

    const outcome: BootOutcome = await waitHealthy({
      check: req.check ?? DEFAULT_HEALTH_CHECK,
      port: spec.exposesPort ? INSTANCE_PORT : null,
      hostHeader: hostnameFor(req.app.name, this.deps.appsDomain),
      deadlineMs: this.deps.bootTimeoutMs,
      status: () => host.status(started.containerId),
    });
    if (!outcome.ok) {
      const lastLines = await host.lastLines(started.containerId, 12);
      await instances.put({ ...record, state: 'crashed', exitCode: outcome.exitCode, message: outcome.reason });
      await this.event(req.app.id, `Process ${process} failed to start: ${outcome.reason}`, process);
      return { ok: false, reason: outcome.reason, lastLines, record };
    }
    const up: InstanceRecord = { ...record, state: 'up', port: outcome.status.hostPort, startedAt: outcome.status.startedAt };
    await instances.put(up);
    await this.event(req.app.id, `State of ${process} changed from starting to up`, process);
    return { ok: true, record: up };
  }

  /** Stops and removes an instance and forgets it. */
  async stop(record: InstanceRecord, why: string): Promise<void> {
    await this.deps.instances.put({ ...record, state: 'stopping', routed: false, message: why });
    await this.deps.host.stop(record.containerId, this.deps.stopTimeoutMs);
    await this.deps.instances.remove(record.appId, record.id);
    await this.event(record.appId, `Stopped ${record.type}.${record.index} (v${record.release}): ${why}`, `${record.type}.${record.index}`);
  }

  /**
   * Publishes the app's route from its routed, healthy web instances (only when it changed).
   * Returns the table version that carries it.
   */
  async publishRoute(app: { id: string; name: string }): Promise<number> {
    const records = await this.deps.instances.list(app.id);
    const route = routeFor(
      app,
      records.map((r) => ({ id: r.id, type: r.type, index: r.index, healthy: r.state === 'up' && r.routed !== false, address: r.address, port: r.port })),
    );
    const hostname = hostnameFor(app.name, this.deps.appsDomain);
    const current = (await this.deps.routes.get([hostname])).get(hostname) ?? null;
    if (current && sameBackends(current, route)) return this.deps.routes.version();
    return this.deps.routes.set({ [hostname]: route });
  }

  async removeRoute(appName: string): Promise<void> {
    await this.deps.routes.set({ [hostnameFor(appName, this.deps.appsDomain)]: null });
  }

  /** Ships an instance's output into the app's log stream until the container stops. */
  ship(record: Pick<InstanceRecord, 'containerId' | 'appId' | 'type' | 'index'>, sinceMs: number): void {
    if (this.following.has(record.containerId)) return;
    this.following.add(record.containerId);
    const process = `${record.type}.${record.index}`;
    let batch: { source: LogSource; process: string; line: string }[] = [];
    let timer: NodeJS.Timeout | undefined;
    const flush = () => {
      timer = undefined;
      const b = batch;
      batch = [];
      void this.deps.logs.append(record.appId, b).catch(() => {});
    };
    this.deps.host
      .follow(record.containerId, sinceMs, (line) => {
        batch.push({ source: 'app', process, line });
        timer ??= setTimeout(flush, 20);
      })
      .catch(() => {})
      .finally(() => {
        if (timer) clearTimeout(timer);
        flush();
        this.following.delete(record.containerId);
      });
  }
}
