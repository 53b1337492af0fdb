/**
 * The sidecars of this host's instances (app.json "sidecars"), supervised by the agent:
 *
 *   instance started ─> create + start each sidecar (its network namespace, /scratch)
 *   sidecar exits ───> restarting ─(backoff: 1 s doubling to 30 s; reset after 60 s up)─> running
 *   instance (re)started ─> sidecars started before it are restarted at once: a restart gives the
 *                           instance a new network namespace, and theirs would stay the old one
 *   instance stopping ─> its sidecars are stopped and removed before it is, its scratch volume after it
 *   every reconcile pass (sweep) ─> adopt the sidecars of watched instances (after an agent
 *                           restart), remove those of no watched instance, and their volumes
 *
 * Their output goes to the app's log as `<process>/<sidecar>` ("web.1/metrics"); their states
 * ride on the instance's state in Redis (AllocationState.sidecars), which `gantry ps` shows.
 */
import type { SidecarCommandSpec, StartCommand } from '@gantry/jobs';
import type { AllocationStore, AppLogs, LogSource } from '@gantry/live';
import type { Logger } from '@gantry/log';
import { sidecarProcess, type SidecarState } from '@gantry/scheduler-core';
import type { DockerHost } from './docker-host';
import type { Tracked } from './instances';
import type { SidecarContainers } from './sidecar-containers';

/** Delay before starting a sidecar again after its n-th exit in a row: 1 s doubling up to 30 s. */
export function sidecarRestartDelayMs(streak: number): number {
  return Math.min(1000 * 2 ** Math.max(0, streak - 1), 30_000);
}

/** A sidecar that stayed up this long starts its next crash streak from 1 again. */
export const SIDECAR_STABLE_MS = 60_000;

/** The crash streak after an exit: reset when it had been up for SIDECAR_STABLE_MS. */
export function nextStreak(streak: number, upForMs: number | null): number {
  return upForMs !== null && upForMs >= SIDECAR_STABLE_MS ? 1 : streak + 1;
}

interface Member {
  sidecar: string;
  /** How to create it again if its container vanishes (null for sidecars adopted after an agent restart). */
  spec: SidecarCommandSpec | null;
  containerId: string;
  status: SidecarState['status'];
  since: number;
  restarts: number;
  streak: number;
  upSince: number | null;
  exitCode: number | null;
  message: string | null;
  /** Restart it at once, without backoff (its instance started again). */
  bounce: boolean;
  /** Cuts a backoff wait short. */
  wake: (() => void) | null;
  /** Its loop has tried to start it once. */
  tried: boolean;
}

interface Group {
  allocId: string;
  appId: string;
  process: string;
  instanceId: string;
  scratch: string | undefined;
  scratchBytes: number;
  stopping: boolean;
  members: Map<string, Member>;
}

export interface SidecarsDeps {
  containers: Pick<SidecarContainers, keyof SidecarContainers>;
  host: Pick<DockerHost, 'status' | 'follow'>;
  allocs: Pick<AllocationStore, 'setState'>;
  logs: Pick<AppLogs, 'append' | 'appendLines'>;
  log: Logger;
  stopTimeoutMs: number;
  /** This agent's watcher of an allocation's instance, if any: sidecar states are reported on its state. */
  tracker: (allocId: string) => Tracked | undefined;
}

export class Sidecars {
  readonly groups = new Map<string, Group>();

  constructor(private readonly deps: SidecarsDeps) {}

  /** Starts (or adopts) the sidecars of an instance whose container has just started. */
  async start(cmd: Pick<StartCommand, 'allocId' | 'appId' | 'process' | 'spec' | 'sidecars'>, instanceId: string): Promise<void> {
    if (!cmd.sidecars?.length || this.groups.has(cmd.allocId)) return;
    const g: Group = {
      allocId: cmd.allocId,
      appId: cmd.appId,
      process: cmd.process,
      instanceId,
      scratch: cmd.spec.scratch,
      scratchBytes: cmd.spec.memoryBytes,
      stopping: false,
      members: new Map(),
    };
    this.groups.set(g.allocId, g);
    // After an agent restart the instance may have been adopted with its sidecars still there.
    const existing = (await this.deps.containers.list()).filter((c) => c.allocId === g.allocId);
    // The instance's environment as created (the agent may add to its spec's, e.g. its private
    // address), under the sidecar's own: "same config" means what the instance really has.
    const instanceEnv = await this.deps.containers.envOf(instanceId).catch(() => ({}));
    for (const declared of cmd.sidecars) {
      const spec = { ...declared, env: { ...instanceEnv, ...declared.env } };
      const found = existing.find((c) => c.sidecar === spec.sidecar);
      let containerId = found?.containerId ?? '';
      if (!containerId) {
        try {
          containerId = await this.deps.containers.create(spec, instanceId, g.scratch, g.scratchBytes);
        } catch (err) {
          this.deps.log.error(`${sidecarProcess(g.process, spec.sidecar)}: could not create its container: ${(err as Error).message}`);
          continue;
        }
      }
      g.members.set(spec.sidecar, newMember(spec.sidecar, spec, containerId));
    }
    // One supervisor per sidecar: the members of this group are new, none is supervised yet.
    for (const m of g.members.values()) void this.supervise(g, m);
  }

  /** Its instance's container started (again): sidecars started before it join its new namespace. */
  async instanceStarted(t: Tracked): Promise<void> {
    const g = this.groups.get(t.allocId);
    if (!g || g.stopping) return;
    g.instanceId = t.containerId;
    const inst = await this.deps.host.status(t.containerId).catch(() => null);
    if (!inst?.running || inst.restarting) return;
    for (const m of g.members.values()) {
      // Its first start is under way (its loop starts it after the instance anyway).
      if (!m.tried) continue;
      const st = await this.deps.containers.inspect(m.containerId).catch(() => undefined);
      if (st === undefined || (st && st.running && st.startedAt >= inst.startedAt)) continue;
      // Running in the old namespace: restart it now. Waiting out a backoff: start it now.
      this.deps.log.info(`${sidecarProcess(g.process, m.sidecar)}: its instance started again; ${st?.running ? 'restarting' : 'starting'} it with it`);
      m.bounce = true;
      if (st?.running) await this.deps.containers.stop(m.containerId, 2000).catch(() => {});
      m.wake?.();
    }
  }

  /** Its instance is being stopped: supervision ends (nothing is started again). */
  stopping(allocId: string): void {
    const g = this.groups.get(allocId);
    if (!g) return;
    g.stopping = true;
    for (const m of g.members.values()) m.wake?.();
  }

  /** Stops and removes an allocation's sidecars (those of an unwatched one too). */
  async remove(allocId: string): Promise<void> {
    this.stopping(allocId);
    const g = this.groups.get(allocId);
    const ids = new Set([...(g?.members.values() ?? [])].map((m) => m.containerId));
    for (const c of await this.deps.containers.list().catch(() => [])) if (c.allocId === allocId) ids.add(c.containerId);
    await Promise.all([...ids].map((id) => this.deps.containers.remove(id, this.deps.stopTimeoutMs).catch((err: Error) => this.deps.log.warn(`removing sidecar ${id.slice(0, 12)}: ${err.message}`))));
    this.groups.delete(allocId);
  }

  /** Removes an allocation's scratch volume, once its instance container is gone (in use, it stays for the sweep). */
  async released(allocId: string): Promise<void> {
    for (const v of await this.deps.containers.scratchVolumes().catch(() => [])) if (v.allocId === allocId) await this.deps.containers.removeVolume(v.name);
  }

  /**
   * Run with every reconcile pass: adopts the sidecars of watched instances nobody supervises
   * (after an agent restart), removes those of instances no longer watched here, and their scratch
   * volumes, and catches a missed instance restart.
   */
  async sweep(tracked: ReadonlyMap<string, Tracked>, starting: ReadonlySet<string>): Promise<void> {
    const containers = await this.deps.containers.list();
    const orphans = new Set<string>();
    for (const c of containers) {
      // Its start command is creating them right now (Sidecars.start).
      if (starting.has(c.allocId)) continue;
      const t = tracked.get(c.allocId);
      if (!t || t.stopping) {
        orphans.add(c.allocId);
        continue;
      }
      let g = this.groups.get(c.allocId);
      if (!g) {
        g = { allocId: t.allocId, appId: t.appId, process: t.process, instanceId: t.containerId, scratch: undefined, scratchBytes: 0, stopping: false, members: new Map() };
        this.groups.set(g.allocId, g);
        this.deps.log.info(`${t.process}: adopting its sidecars`);
      }
      if (g.members.has(c.sidecar)) continue;
      const m = newMember(c.sidecar, null, c.containerId);
      g.members.set(c.sidecar, m);
      void this.supervise(g, m);
    }
    for (const allocId of this.groups.keys()) if (!tracked.has(allocId) && !starting.has(allocId)) orphans.add(allocId);
    for (const allocId of orphans) {
      this.deps.log.info(`removing the sidecars of ${allocId.slice(0, 8)}: no instance of it is watched here`);
      await this.remove(allocId);
    }
    for (const v of await this.deps.containers.scratchVolumes()) {
      if (!tracked.has(v.allocId) && !starting.has(v.allocId)) await this.deps.containers.removeVolume(v.name);
    }
    for (const g of this.groups.values()) {
      const t = tracked.get(g.allocId);
      if (t && !t.busy) await this.instanceStarted(t).catch(() => {});
    }
  }

  /** Keeps one sidecar running while its instance lives: starts it, waits for it to exit, backs off, starts it again. */
  private async supervise(g: Group, m: Member): Promise<void> {
    const live = () => !g.stopping && this.groups.get(g.allocId) === g && g.members.get(m.sidecar) === m;
    const process = sidecarProcess(g.process, m.sidecar);
    let delay = 0;
    let first = true;
    while (live()) {
      if (delay > 0) {
        await this.pause(m, delay);
        if (!live()) return;
      }
      const st = await this.deps.containers.inspect(m.containerId).catch(() => undefined);
      if (st === null && !(await this.recreate(g, m))) {
        g.members.delete(m.sidecar);
        await this.publish(g);
        return;
      }
      let started = st?.running === true && !m.bounce;
      if (!started) {
        try {
          await this.deps.containers.start(m.containerId);
          started = true;
        } catch (err) {
          m.message = `could not start: ${(err as Error).message}`;
        }
      }
      if (started && live()) {
        if (!first) m.restarts++;
        m.bounce = false;
        Object.assign(m, { status: 'running', since: Date.now(), upSince: Date.now(), exitCode: null, message: null });
        if (!first) await this.event(g, process, `Started again (${m.restarts} restart${m.restarts === 1 ? '' : 's'})`);
        await this.publish(g);
        this.ship(g, m);
      }
      first = false;
      m.tried = true;
      let code: number | null | undefined;
      try {
        code = await this.deps.containers.wait(m.containerId);
      } catch {
        code = undefined; // its engine is unreachable: look again shortly
      }
      if (!live()) return;
      if (code === undefined) {
        delay = 1000;
        continue;
      }
      if (m.bounce) {
        delay = 0;
        continue;
      }
      m.streak = nextStreak(m.streak, m.upSince === null ? null : Date.now() - m.upSince);
      m.upSince = null;
      delay = sidecarRestartDelayMs(m.streak);
      Object.assign(m, { status: 'restarting', since: Date.now(), exitCode: code });
      await this.event(g, process, `${code === null ? 'Its container disappeared' : `Process exited with status ${code}`}; starting it again in ${delay / 1000} s`);
      await this.publish(g);
    }
  }

  /** Its container vanished (removed behind Gantry's back): create it again when its spec is known. */
  private async recreate(g: Group, m: Member): Promise<boolean> {
    if (!m.spec) {
      this.deps.log.warn(`${sidecarProcess(g.process, m.sidecar)}: its container disappeared and this agent does not know how to create it (adopted after a restart)`);
      return false;
    }
    try {
      m.containerId = await this.deps.containers.create(m.spec, g.instanceId, g.scratch, g.scratchBytes);
      return true;
    } catch (err) {
      m.message = `could not create its container: ${(err as Error).message}`;
      return true; // tried again after the next backoff
    }
  }

  private pause(m: Member, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        m.wake = null;
        resolve();
      }
      m.wake = done;
    });
  }

  /** Writes the group's sidecar states onto its instance's state (which `gantry ps` reads). */
  private async publish(g: Group): Promise<void> {
    const t = this.deps.tracker(g.allocId);
    if (!t || t.stopping) return;
    t.state = { ...t.state, sidecars: [...g.members.values()].map(stateOf) };
    await this.deps.allocs.setState(t.allocId, t.state).catch(() => {});
  }

  private async event(g: Group, process: string, line: string): Promise<void> {
    await this.deps.logs.append(g.appId, [{ source: 'gantry' as LogSource, process, line }]).catch(() => {});
  }

  /** Ships one run of a sidecar's output into the app's log as "<process>/<sidecar>". */
  private ship(g: Group, m: Member): void {
    const process = sidecarProcess(g.process, m.sidecar);
    let batch: string[] = [];
    let timer: NodeJS.Timeout | undefined;
    const flush = () => {
      timer = undefined;
      const b = batch;
      batch = [];
      void this.deps.logs.appendLines(g.appId, 'app', process, b).catch(() => {});
    };
    this.deps.host
      .follow(m.containerId, m.since, (line) => {
        batch.push(line);
        timer ??= setTimeout(flush, 20);
      })
      .catch(() => {})
      .finally(() => {
        if (timer) clearTimeout(timer);
        flush();
      });
  }
}

function newMember(sidecar: string, spec: SidecarCommandSpec | null, containerId: string): Member {
  return { sidecar, spec, containerId, status: 'restarting', since: Date.now(), restarts: 0, streak: 0, upSince: null, exitCode: null, message: null, bounce: false, wake: null, tried: false };
}

function stateOf(m: Member): SidecarState {
  return { name: m.sidecar, status: m.status, since: m.since, restarts: m.restarts, exitCode: m.exitCode, message: m.message };
}
