/**
 * Every instance (allocation) on this host, as the agent runs and watches it:
 *
 *   start ─> starting ─(startup check)─> healthy ─(liveness fails N times)─> unhealthy ─> restart
 *                │                          │
 *                └──(exits)──> crashed <────┘ (Docker restarts it under its policy: starting again)
 *   stop ─> stopped (container removed)
 *
 * Every change of status is written to Redis and announced, so the scheduler re-plans the app and
 * the route changes within milliseconds.
 */
import { DEFAULT_HEALTH_CHECK, type HealthCheck, type LivenessCheck } from '@gantry/core';
import type { StartCommand } from '@gantry/jobs';
import { type AllocationStore, type AppLogs, type Keys, type LogSource, publishEvent } from '@gantry/live';
import type { AllocationState, AllocationStatus } from '@gantry/scheduler-core';
import { INSTANCE_PORT } from '@gantry/scheduler-core';
import type { Logger } from '@gantry/log';
import type { Redis } from 'ioredis';
import type { DockerHost, InstanceStatus } from './docker-host';
import { probe, waitHealthy, type ProbeTarget } from './probes';

export interface Tracked {
  allocId: string;
  appId: string;
  process: string;
  containerId: string;
  startup: HealthCheck;
  liveness: LivenessCheck | null;
  hostHeader: string;
  exposesPort: boolean;
  bootTimeoutMs: number;
  state: AllocationState;
  stopping: boolean;
  /** Bumped on every (re)start, so an older check loop stops when a newer one begins. */
  generation: number;
  following: boolean;
  /** Crashes in a row (reset once it stayed healthy for a minute): sets the restart backoff. */
  crashStreak: number;
  healthySince: number;
  /** The container's start time when its startup check last passed: another one means Docker started it again behind our back. */
  startedAt: number;
  /** A startup check or a recovery is under way (see busy()): the audit leaves it alone. */
  busy: boolean;
}

/** Restart delay after the n-th crash in a row: 1 s doubling up to 60 s. */
export function restartDelayMs(crashStreak: number): number {
  return Math.min(1000 * 2 ** Math.max(0, crashStreak - 1), 60_000);
}

export interface InstancesDeps {
  host: DockerHost;
  allocs: AllocationStore;
  logs: AppLogs;
  redis: Redis;
  keys: Keys;
  log: Logger;
  /** The engine is on this machine: probe container addresses directly. */
  local: boolean;
  stopTimeoutMs: number;
  /** The sidecars of instances that have some (sidecars.ts): told of every (re)start and stop. */
  sidecars?: SidecarHooks;
}

/** What the instance lifecycle tells the sidecars' supervisor. */
export interface SidecarHooks {
  instanceStarted(t: Tracked): Promise<void>;
  stopping(allocId: string): void;
  /** Between the instance's stop and its removal. */
  remove(allocId: string): Promise<void>;
  /** After its removal: the scratch volume. */
  released(allocId: string): Promise<void>;
}

export class Instances {
  readonly tracked = new Map<string, Tracked>();
  /** Allocations whose start command is in progress (image, container): not adoptable yet. */
  readonly starting = new Set<string>();

  constructor(private readonly deps: InstancesDeps) {}

  byContainer(containerId: string): Tracked | undefined {
    for (const t of this.tracked.values()) if (t.containerId === containerId) return t;
    return undefined;
  }

  async report(t: Tracked, status: AllocationStatus, patch: Partial<AllocationState> = {}): Promise<void> {
    // A check that was still running when its instance was stopped (or watched by a newer
    // tracker) has nothing to say any more: a late "unhealthy" would bring a stopped allocation
    // back to life in Redis.
    if (status !== 'stopped' && (t.stopping || this.tracked.get(t.allocId) !== t)) return;
    const previous = t.state.status;
    const changed = previous !== status;
    if (changed) this.deps.log.info(`${t.process} (${t.allocId.slice(0, 8)}) ${t.state.status} -> ${status}`);
    t.state = { ...t.state, ...patch, status, since: changed ? Date.now() : t.state.since };
    await this.deps.allocs.setState(t.allocId, t.state);
    if (changed) {
      await publishEvent(this.deps.redis, this.deps.keys, { kind: 'state', appId: t.appId, allocId: t.allocId, status });
      // Heroku's wording: "Process exited with status 3", "State changed from up to crashed".
      if (status === 'crashed' && patch.exitCode !== undefined) await this.event(t, `Process exited with status ${patch.exitCode ?? 'unknown'}`);
      await this.event(t, `State changed from ${previous} to ${status}${patch.message ? `: ${patch.message}` : ''}`);
    }
  }

  private async event(t: Tracked, line: string): Promise<void> {
    await this.deps.logs.append(t.appId, [{ source: 'gantry' as LogSource, process: t.process, line }]).catch(() => {});
  }

  /** Starts watching an instance that runs (or starts) now: ships its logs and checks it. */
  track(cmd: Pick<StartCommand, 'allocId' | 'appId' | 'process' | 'startup' | 'liveness' | 'hostHeader' | 'bootTimeoutMs'> & { exposesPort: boolean }, containerId: string): Tracked {
    const t: Tracked = {
      allocId: cmd.allocId,
      appId: cmd.appId,
      process: cmd.process,
      containerId,
      startup: cmd.startup as HealthCheck,
      liveness: cmd.liveness as LivenessCheck | null,
      hostHeader: cmd.hostHeader,
      exposesPort: cmd.exposesPort,
      bootTimeoutMs: cmd.bootTimeoutMs,
      state: { status: 'starting', since: Date.now(), restarts: 0 },
      stopping: false,
      generation: 0,
      following: false,
      crashStreak: 0,
      healthySince: 0,
      startedAt: 0,
      busy: false,
    };
    this.tracked.set(t.allocId, t);
    return t;
  }

  /** Runs the startup check, then the liveness loop; called on start and on every restart. */
  async watch(t: Tracked): Promise<void> {
    const generation = ++t.generation;
    void this.deps.sidecars?.instanceStarted(t).catch((err: Error) => this.deps.log.warn(`sidecars of ${t.process}: ${err.message}`));
    await this.busy(t, generation, () => this.boot(t, generation));
  }

  /** Runs one activity of an instance (of this generation); a newer generation takes the flag over. */
  private async busy(t: Tracked, generation: number, work: () => Promise<void>): Promise<void> {
    t.busy = true;
    try {
      await work();
    } finally {
      if (t.generation === generation) t.busy = false;
    }
  }

  private async boot(t: Tracked, generation: number): Promise<void> {
    this.ship(t);
    await this.report(t, 'starting', { exitCode: null, message: null });
    const outcome = await waitHealthy({
      check: t.startup ?? DEFAULT_HEALTH_CHECK,
      target: t.exposesPort ? (st) => this.target(st) : null,
      hostHeader: t.hostHeader,
      deadlineMs: t.bootTimeoutMs,
      status: () => this.deps.host.status(t.containerId),
      cancelled: () => t.stopping || t.generation !== generation,
    });
    if (t.stopping || t.generation !== generation) return;
    if (!outcome.ok) {
      if (outcome.gone) return this.lost(t);
      // Exited while starting (a crash, or a container adopted stopped): bring it back with backoff.
      if (outcome.exitCode !== null) return this.exited(t, outcome.exitCode);
      const lines = await this.deps.host.lastLines(t.containerId, 10);
      await this.report(t, 'unhealthy', { exitCode: null, message: lastLinesMessage(outcome.reason, lines) });
      // As Heroku does on a boot timeout: restart it (with the crash backoff); the start is checked anew.
      void this.restartUnhealthy(t);
      return;
    }
    t.healthySince = Date.now();
    t.startedAt = outcome.status.startedAt;
    await this.report(t, 'healthy', { address: this.deps.host.opts.address, port: outcome.status.hostPort, privateIp: outcome.status.privateIp, exitCode: null, message: null });
    if (t.liveness && t.exposesPort) void this.liveness(t, generation);
  }

  /**
   * Probes a healthy instance forever; enough failures in a row: unhealthy (it leaves routing at
   * once), then a restart. When the engine cannot be asked (its daemon is gone, the host is dying)
   * the last known address is probed anyway: what counts is whether the instance answers.
   */
  private async liveness(t: Tracked, generation: number): Promise<void> {
    const check = t.liveness!;
    let failures = 0;
    let lastTarget: ProbeTarget | null = null;
    while (!t.stopping && t.generation === generation) {
      await sleep(check.intervalMs);
      if (t.stopping || t.generation !== generation) return;
      let engineDown = false;
      const st = await this.deps.host.status(t.containerId).catch(() => {
        engineDown = true;
        return null;
      });
      if (!engineDown && !st) return; // gone
      if (!engineDown && st && (!st.running || st.restarting)) {
        // Exited and the event was missed: handle it as the event would have.
        if (t.generation === generation) await this.exited(t, st.exitCode);
        return;
      }
      if (st && st.startedAt !== t.startedAt) {
        // Started again without us seeing it exit (its engine restarted): new address and port.
        if (t.generation === generation) await this.restartedBehindOurBack(t);
        return;
      }
      const target: ProbeTarget | null = st ? this.target(st) : lastTarget;
      if (!target) continue;
      lastTarget = target;
      const r = await probe({ kind: check.kind, path: check.path, timeoutMs: check.timeoutMs }, target, t.hostHeader);
      if (r.ok) {
        if (t.state.status === 'unhealthy') await this.report(t, 'healthy', { message: null });
        failures = 0;
        continue;
      }
      if (++failures < check.failures) continue;
      if (t.stopping || t.generation !== generation) return;
      if (engineDown) {
        // Nothing to restart it with: say so (the route drops it) and keep checking.
        if (t.state.status !== 'unhealthy') await this.report(t, 'unhealthy', { message: `not answering and its Docker engine is unreachable (last: ${r.detail})` });
        continue;
      }
      await this.report(t, 'unhealthy', { message: `failed ${failures} health checks in a row (last: ${r.detail}); restarting it` });
      this.deps.log.warn(`${t.process} (${t.allocId}) unhealthy: restarting`);
      t.state.restarts = (t.state.restarts ?? 0) + 1;
      await this.deps.host.restart(t.containerId, this.deps.stopTimeoutMs).catch((err: Error) => this.deps.log.error(`restart failed: ${err.message}`));
      return; // the "start" event that follows runs watch() again
    }
  }

  /**
   * Brings a crashed instance back: Docker's restart policy restarts crashes, but not containers
   * that were killed; whatever Docker does not restart, the agent starts after the backoff delay.
   */
  private awaitRestart(t: Tracked, generation: number): Promise<void> {
    return this.busy(t, generation, () => this.recover(t, generation));
  }

  private async recover(t: Tracked, generation: number): Promise<void> {
    let delay = restartDelayMs(t.crashStreak);
    let nextTry = Date.now() + delay;
    while (!t.stopping && t.generation === generation) {
      await sleep(250);
      const st = await this.deps.host.status(t.containerId).catch(() => undefined);
      if (st === null) return this.lost(t);
      if (st === undefined) continue; // engine unreachable for now: Docker may restart it itself when it is back
      if (st.running && !st.restarting) {
        if (t.generation === generation) await this.restarted(t);
        return;
      }
      if (!st.restarting && Date.now() >= nextTry) {
        this.deps.log.info(`${t.process} (${t.allocId.slice(0, 8)}) starting again after ${delay} ms (crash ${t.crashStreak} in a row)`);
        // A start that fails (engine shutting down, port taken) or that does not stick is tried again, later each time.
        await this.deps.host.startExisting(t.containerId).catch((err: Error) => this.deps.log.error(`restart of ${t.process}: ${err.message}`));
        delay = Math.min(delay * 2, 60_000);
        nextTry = Date.now() + delay;
      }
    }
  }

  private async restartUnhealthy(t: Tracked): Promise<void> {
    const generation = ++t.generation;
    t.crashStreak++;
    const delay = restartDelayMs(t.crashStreak);
    await this.busy(t, generation, async () => {
      await sleep(delay);
      if (t.stopping || t.generation !== generation) return;
      this.deps.log.warn(`${t.process} (${t.allocId.slice(0, 8)}) did not pass its startup check: restarting it after ${delay} ms`);
      await this.deps.host.restart(t.containerId, this.deps.stopTimeoutMs).catch((err: Error) => this.deps.log.error(`restart of ${t.process}: ${err.message}`));
    });
  }

  /** Docker started the container again without an exit we saw (engine restart): check it from the start. */
  private async restartedBehindOurBack(t: Tracked): Promise<void> {
    if (t.stopping) return;
    this.deps.log.info(`${t.process} (${t.allocId.slice(0, 8)}) was started again by its engine: checking it anew`);
    t.state.restarts = (t.state.restarts ?? 0) + 1;
    await this.watch(t);
  }

  /** Its container is gone (removed outside Gantry): nothing to restart; the scheduler places the slot again. */
  private async lost(t: Tracked): Promise<void> {
    if (t.stopping || this.tracked.get(t.allocId) !== t) return;
    this.deps.log.warn(`${t.process} (${t.allocId.slice(0, 8)}): its container disappeared`);
    t.generation++;
    await this.report(t, 'stopped', { port: null, message: 'its container disappeared (removed outside Gantry); placing it again' });
    this.tracked.delete(t.allocId);
  }

  /**
   * The periodic check of one instance against its container, so that no missed event (agent
   * restart, engine restart, a lost stream) leaves it down: an instance nobody is watching or
   * recovering is brought back in line with what its container actually does.
   */
  async audit(t: Tracked): Promise<void> {
    if (t.stopping || t.busy) return;
    const st = await this.deps.host.status(t.containerId).catch(() => undefined);
    if (st === undefined || t.stopping || t.busy) return; // engine unreachable: next time
    if (st === null) return this.lost(t);
    if (!st.running || st.restarting) return this.exited(t, st.exitCode);
    if (st.startedAt !== t.startedAt) return this.restartedBehindOurBack(t);
    // Running, but left in a state no check is working on (e.g. a startup check cut short): check again.
    if (t.state.status !== 'healthy') {
      this.deps.log.info(`${t.process} (${t.allocId.slice(0, 8)}) is ${t.state.status} with no check running: checking it again`);
      await this.watch(t);
    }
  }

  /** A container of a tracked instance exited: report it, and bring it back (with backoff). */
  async exited(t: Tracked, exitCode: number | null): Promise<void> {
    if (t.stopping) return;
    const generation = ++t.generation;
    t.crashStreak = t.healthySince > 0 && Date.now() - t.healthySince > 60_000 ? 1 : t.crashStreak + 1;
    const lines = await this.deps.host.lastLines(t.containerId, 10);
    await this.report(t, 'crashed', { exitCode, message: lastLinesMessage(`exited with code ${exitCode ?? '?'}`, lines), port: null });
    void this.awaitRestart(t, generation);
  }

  /** Docker started a tracked container again (restart policy or our restart). */
  async restarted(t: Tracked): Promise<void> {
    // Seen once, whether by the event or by polling.
    if (t.stopping || (t.state.status !== 'crashed' && t.state.status !== 'unhealthy')) return;
    t.state.restarts = (t.state.restarts ?? 0) + 1;
    await this.watch(t);
  }

  async stop(allocId: string, timeoutMs: number): Promise<void> {
    const t = this.tracked.get(allocId);
    if (!t) return;
    t.stopping = true;
    t.generation++;
    this.deps.sidecars?.stopping(allocId);
    // Its sidecars outlive its graceful stop, and are removed before it is.
    const result = await this.deps.host.stop(t.containerId, timeoutMs, () => this.removeSidecars(allocId));
    if (result.removed) await this.deps.sidecars?.released(allocId).catch(() => {});
    if (!result.removed) this.deps.log.warn(`${t.process} (${t.allocId.slice(0, 8)}) stopped, but its container stays for now (${result.why}); the reconcile removes it later`);
    await this.report(t, 'stopped', { port: null });
    this.tracked.delete(allocId);
  }

  /** Stops an instance whose allocation no longer exists: nothing left to report to. */
  async drop(allocId: string, timeoutMs: number): Promise<void> {
    const t = this.tracked.get(allocId);
    if (!t) return;
    t.stopping = true;
    t.generation++;
    this.tracked.delete(allocId);
    this.deps.sidecars?.stopping(allocId);
    await this.deps.host.stop(t.containerId, timeoutMs, () => this.removeSidecars(allocId)).catch(() => {});
    await this.deps.sidecars?.released(allocId).catch(() => {});
  }

  private async removeSidecars(allocId: string): Promise<void> {
    await this.deps.sidecars?.remove(allocId).catch((err: Error) => this.deps.log.warn(`removing the sidecars of ${allocId.slice(0, 8)}: ${err.message}`));
  }

  /** Where to probe an instance: its container address here, or its published port from afar. */
  private target(st: InstanceStatus): ProbeTarget | null {
    if (this.deps.local && st.ip) return { host: st.ip, port: INSTANCE_PORT, proxied: false };
    if (st.hostPort) return { host: this.deps.host.opts.address, port: st.hostPort, proxied: true };
    return null;
  }

  /** Ships the container's output into the app's log stream (once per container). */
  private ship(t: Tracked): void {
    if (t.following) return;
    t.following = true;
    let batch: string[] = [];
    let timer: NodeJS.Timeout | undefined;
    const flush = () => {
      timer = undefined;
      const b = batch;
      batch = [];
      void this.deps.logs.appendLines(t.appId, 'app', t.process, b).catch(() => {});
    };
    this.deps.host
      .follow(t.containerId, Date.now() - 1000, (line) => {
        batch.push(line);
        timer ??= setTimeout(flush, 20);
      })
      .catch(() => {})
      .finally(() => {
        if (timer) clearTimeout(timer);
        flush();
        t.following = false;
        // The stream ends when the container stops; Docker may start it again.
        if (!t.stopping && this.tracked.has(t.allocId)) setTimeout(() => this.tracked.has(t.allocId) && !t.stopping && this.ship(t), 500);
      });
  }
}

function lastLinesMessage(reason: string, lines: string[]): string {
  return lines.length ? `${reason}; last output:\n${lines.join('\n')}` : reason;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
