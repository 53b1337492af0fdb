/**
 * Usage of each instance this agent runs, every 10 s: Docker stats (one-shot, two at a time at
 * most) -> CPU % (against the previous reading), memory without page cache / limit, restarts
 * (counted by instances.ts), start time -> MetricsStore (latest sample + the app's usage bucket);
 * their sum is the host's usage in its heartbeat.
 *
 *   Instances.tracked ──▶ container.stats({stream:false, one-shot}) ──▶ toSample (pure) ──▶ Redis
 */
import { cpuPercentBetween, type HostUsage, type InstanceSample, type MetricsStore } from '@gantry/live';
import type { Logger } from '@gantry/log';
import type { DockerHost } from './docker-host';
import type { Tracked } from './instances';

export const STATS_INTERVAL_MS = 10_000;
const CONCURRENCY = 2;

/** The parts of Docker's stats answer used here. */
export interface DockerStats {
  cpu_stats?: { cpu_usage?: { total_usage?: number }; system_cpu_usage?: number; online_cpus?: number };
  precpu_stats?: { cpu_usage?: { total_usage?: number }; system_cpu_usage?: number };
  memory_stats?: { usage?: number; limit?: number; stats?: { cache?: number; inactive_file?: number; total_inactive_file?: number } };
}

export interface CpuReading {
  cpuNs: number;
  systemNs: number;
  cpus: number;
}

export function cpuReading(s: DockerStats): CpuReading | null {
  const cpuNs = s.cpu_stats?.cpu_usage?.total_usage;
  const systemNs = s.cpu_stats?.system_cpu_usage;
  if (cpuNs === undefined || systemNs === undefined) return null;
  return { cpuNs, systemNs, cpus: s.cpu_stats?.online_cpus || 1 };
}

/** Memory in use minus the page cache (cgroup v2: inactive_file; v1: cache), as `docker stats` shows. */
export function memoryUsed(s: DockerStats): number {
  const m = s.memory_stats;
  if (!m?.usage) return 0;
  const cache = m.stats?.inactive_file ?? m.stats?.total_inactive_file ?? m.stats?.cache ?? 0;
  return Math.max(0, m.usage - cache);
}

/**
 * One sample from a stats answer: CPU % against `prev` (the last reading of this container), or
 * against Docker's own previous reading when it sent one.
 */
export function toSample(t: Pick<Tracked, 'allocId' | 'appId' | 'process' | 'state'>, s: DockerStats, prev: CpuReading | undefined, startedAt: number, at: number): { sample: InstanceSample; reading: CpuReading | null } {
  const reading = cpuReading(s);
  const pre = s.precpu_stats?.system_cpu_usage ? { cpuNs: s.precpu_stats.cpu_usage?.total_usage ?? 0, systemNs: s.precpu_stats.system_cpu_usage } : undefined;
  const cpuPercent = reading ? cpuPercentBetween(prev ?? pre, reading) : null;
  return {
    reading,
    sample: {
      allocId: t.allocId,
      appId: t.appId,
      process: t.process,
      cpuPercent,
      memUsed: memoryUsed(s),
      memLimit: s.memory_stats?.limit ?? 0,
      restarts: t.state.restarts ?? 0,
      startedAt,
      at,
    },
  };
}

/** The host's usage: the sum over its instances' samples. */
export function hostUsage(samples: InstanceSample[]): HostUsage {
  let cpuPercent = 0;
  let memoryBytes = 0;
  for (const s of samples) {
    cpuPercent += s.cpuPercent ?? 0;
    memoryBytes += s.memUsed;
  }
  return { cpuPercent: Math.round(cpuPercent * 10) / 10, memoryBytes, containers: samples.length };
}

export interface StatsDeps {
  host: DockerHost;
  instances: { tracked: ReadonlyMap<string, Tracked> };
  store: Pick<MetricsStore, 'putSamples' | 'dropSamples'>;
  log: Logger;
}

export class StatsSampler {
  private readonly prev = new Map<string, CpuReading>();
  /** Start time per container, asked once per (container, restart count). */
  private readonly started = new Map<string, { restarts: number; at: number }>();
  private sampled = new Map<string, Pick<Tracked, 'appId' | 'allocId'>>();
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  /** The host's usage as of the last round (the heartbeat reports it). */
  usage: HostUsage | undefined;

  constructor(private readonly deps: StatsDeps) {}

  start(intervalMs = STATS_INTERVAL_MS): this {
    void this.sampleOnce().catch((err: Error) => this.deps.log.warn(`stats: ${err.message}`));
    this.timer = setInterval(() => void this.sampleOnce().catch((err: Error) => this.deps.log.warn(`stats: ${err.message}`)), intervalMs);
    this.timer.unref();
    return this;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Samples every running instance (skipped while the previous round still runs). */
  async sampleOnce(now = Date.now): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const targets = [...this.deps.instances.tracked.values()].filter((t) => !t.stopping && t.state.status !== 'crashed' && t.state.status !== 'stopped');
      const samples: InstanceSample[] = [];
      let next = 0;
      const worker = async () => {
        while (next < targets.length) {
          const t = targets[next++]!;
          const s = await this.sampleOne(t, now).catch(() => null);
          if (s) samples.push(s);
        }
      };
      await Promise.all(Array.from({ length: Math.min(CONCURRENCY, targets.length) }, worker));
      this.usage = hostUsage(samples);
      await this.deps.store.putSamples(samples);
      // Instances no longer here: forget them (their last sample would look current).
      const current = new Map(targets.map((t) => [t.allocId, t]));
      const gone = [...this.sampled.values()].filter((t) => !current.has(t.allocId));
      await this.deps.store.dropSamples(gone);
      for (const g of gone) this.forget(g.allocId);
      this.sampled = new Map(targets.map((t) => [t.allocId, { appId: t.appId, allocId: t.allocId }]));
    } finally {
      this.running = false;
    }
  }

  private forget(allocId: string): void {
    this.prev.delete(allocId);
    this.started.delete(allocId);
  }

  private async sampleOne(t: Tracked, now: () => number): Promise<InstanceSample | null> {
    const stats = (await this.deps.host.docker.getContainer(t.containerId).stats({ stream: false, 'one-shot': true } as { stream: false })) as unknown as DockerStats;
    const startedAt = await this.startedAt(t);
    const { sample, reading } = toSample(t, stats, this.prev.get(t.allocId), startedAt, now());
    if (reading) this.prev.set(t.allocId, reading);
    return sample;
  }

  private async startedAt(t: Tracked): Promise<number> {
    const restarts = t.state.restarts ?? 0;
    const known = this.started.get(t.allocId);
    if (known && known.restarts === restarts) return known.at;
    const st = await this.deps.host.status(t.containerId);
    const at = st?.startedAt ?? t.state.since;
    this.started.set(t.allocId, { restarts, at });
    return at;
  }
}
