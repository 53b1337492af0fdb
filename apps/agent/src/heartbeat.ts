/**
 * The host's heartbeat: every couple of seconds the agent says it lives and whether it reached its
 * Docker engine; usage (CPU and memory of Gantry's containers) is sampled every few beats. The
 * scheduler marks the host down when beats stop or Docker has been unreachable for the grace period.
 */
import type { Docker } from '@gantry/docker';
import type { HostBeat, HostRegistry, HostUsage } from '@gantry/live';
import type { DockerHost } from './docker-host';

export class Heartbeat {
  private lastDockerOkAt = 0;
  private usage: HostUsage | undefined;
  private engine: HostBeat['engine'];
  private prev = new Map<string, { cpuNs: number; systemNs: number }>();
  private beats = 0;

  constructor(
    private readonly deps: { hostId: string; docker: Docker; host: DockerHost; registry: HostRegistry; graceMs: number },
  ) {}

  async beat(): Promise<void> {
    let dockerOk = false;
    let dockerError: string | undefined;
    try {
      await withTimeout(this.deps.docker.ping(), 2000);
      dockerOk = true;
      this.lastDockerOkAt = Date.now();
      if (!this.engine) {
        const info = await this.deps.docker.info();
        this.engine = { id: info.ID, version: info.ServerVersion, cpus: info.NCPU, memoryBytes: info.MemTotal };
      }
      if (this.beats++ % 5 === 0) this.usage = await this.sampleUsage();
    } catch (err) {
      dockerError = (err as Error).message;
    }
    const beat: HostBeat = {
      at: Date.now(),
      dockerOk,
      ...(dockerError ? { dockerError } : {}),
      pid: process.pid,
      lastDockerOkAt: this.lastDockerOkAt,
      ...(this.usage ? { usage: this.usage } : {}),
      ...(this.engine ? { engine: this.engine } : {}),
    };
    await this.deps.registry.beat(this.deps.hostId, beat, this.deps.graceMs);
  }

  private async sampleUsage(): Promise<HostUsage> {
    const containers = (await this.deps.host.list()).filter((c) => c.state === 'running');
    let cpuPercent = 0;
    let memoryBytes = 0;
    const next = new Map<string, { cpuNs: number; systemNs: number }>();
    for (const c of containers) {
      const s = await this.deps.host.sample(c.containerId);
      if (!s) continue;
      memoryBytes += s.memoryBytes;
      const p = this.prev.get(c.containerId);
      if (p && s.systemNs > p.systemNs) cpuPercent += ((s.cpuNs - p.cpuNs) / (s.systemNs - p.systemNs)) * s.cpus * 100;
      next.set(c.containerId, { cpuNs: s.cpuNs, systemNs: s.systemNs });
    }
    this.prev = next;
    return { cpuPercent: Math.round(cpuPercent * 10) / 10, memoryBytes, containers: containers.length };
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms))]);
}
