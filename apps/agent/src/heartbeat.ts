/**
 * The host's heartbeat: every couple of seconds the agent says it lives and whether it reached its
 * Docker engine, with the host's usage (CPU and memory of Gantry's containers) as the stats
 * sampler last summed it (one Docker stats round serves both). The scheduler marks the host down
 * when beats stop or Docker has been unreachable for the grace period.
 */
import type { Docker } from '@gantry/docker';
import type { HostBeat, HostRegistry, HostUsage } from '@gantry/live';

export class Heartbeat {
  private lastDockerOkAt = 0;
  private engine: HostBeat['engine'];

  constructor(
    private readonly deps: { hostId: string; docker: Docker; registry: HostRegistry; graceMs: number; usage: () => HostUsage | undefined },
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
    } catch (err) {
      dockerError = (err as Error).message;
    }
    const usage = this.deps.usage();
    const beat: HostBeat = {
      at: Date.now(),
      dockerOk,
      ...(dockerError ? { dockerError } : {}),
      pid: process.pid,
      lastDockerOkAt: this.lastDockerOkAt,
      ...(usage ? { usage } : {}),
      ...(this.engine ? { engine: this.engine } : {}),
    };
    await this.deps.registry.beat(this.deps.hostId, beat, this.deps.graceMs);
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms))]);
}
