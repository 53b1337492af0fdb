/**
 * The thin Docker adapter for sidecars (app.json "sidecars"): create one in its instance's
 * network namespace with the shared scratch volume, start, wait, inspect, stop and remove them,
 * and the scratch volumes. No decisions live here (sidecars.ts supervises).
 *
 *   instance container ◀── NetworkMode container:<id> ── sidecar containers
 *          └──────── /scratch: volume <instance name>-scratch ────────┘
 */
import type { SidecarCommandSpec } from '@gantry/jobs';
import type { Docker } from '@gantry/docker';
import { appHostConfig } from '@gantry/docker';
import { SCRATCH_PATH } from '@gantry/scheduler-core';

/**
 * The scratch volume as a mount: a named local volume backed by tmpfs (like Kubernetes'
 * emptyDir in memory), mode 1777 so that whatever user the image runs as can write (a new disk
 * volume would belong to root), and at most the instance's whole memory (pages written there are
 * charged to the writer's memory limit, so it counts against the size too).
 */
export function scratchMount(volume: string, labels: Record<string, string>, sizeBytes: number) {
  return {
    Type: 'volume' as const,
    Source: volume,
    Target: SCRATCH_PATH,
    VolumeOptions: {
      NoCopy: true,
      Labels: { 'gantry.instance': labels['gantry.instance'] ?? '', 'gantry.alloc.id': labels['gantry.alloc.id'] ?? '', 'gantry.role': 'scratch' },
      DriverConfig: { Name: 'local', Options: { type: 'tmpfs', device: 'tmpfs', o: `size=${Math.max(1, Math.floor(sizeBytes / 1024 / 1024))}m,mode=1777` } },
    },
  };
}

export interface SidecarContainer {
  containerId: string;
  allocId: string;
  sidecar: string;
  state: string;
}

const status = (err: unknown) => (err as { statusCode?: number }).statusCode;

export class SidecarContainers {
  constructor(
    private readonly docker: Docker,
    private readonly installation: string,
  ) {}

  /** Creates a sidecar in the network namespace of `instanceId`, with the scratch volume; not started. */
  async create(spec: SidecarCommandSpec, instanceId: string, scratch: string | undefined, scratchBytes: number): Promise<string> {
    const c = await this.docker.createContainer({
      name: spec.name,
      Image: spec.image,
      Cmd: spec.cmd,
      Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
      Labels: spec.labels,
      HostConfig: {
        ...appHostConfig({ memoryBytes: spec.memoryBytes, cpuShares: spec.cpuShares, logMaxSize: '10m', logMaxFiles: 2 }),
        // Its instance's localhost. No restart policy: the agent restarts it, with backoff, and
        // after every restart of its instance (a restart gives the instance a new namespace).
        NetworkMode: `container:${instanceId}`,
        ...(scratch ? { Mounts: [scratchMount(scratch, spec.labels, scratchBytes)] } : {}),
      },
    });
    return c.id;
  }

  /** Starts it (already running is fine); throws when it cannot (e.g. its instance is not running). */
  async start(containerId: string): Promise<void> {
    try {
      await this.docker.getContainer(containerId).start();
    } catch (err) {
      if (status(err) !== 304) throw err;
    }
  }

  /** Resolves with the exit code once it is not running (at once if it is not); null when it is gone. */
  async wait(containerId: string): Promise<number | null> {
    try {
      const res = (await this.docker.getContainer(containerId).wait()) as { StatusCode: number };
      return res.StatusCode;
    } catch (err) {
      if (status(err) === 404) return null;
      throw err;
    }
  }

  /**
   * The environment its instance container was created with: the spec's, plus what the agent
   * adds when it creates one (e.g. its private address), which its sidecars share.
   */
  async envOf(containerId: string): Promise<Record<string, string>> {
    const info = await this.docker.getContainer(containerId).inspect();
    const env: Record<string, string> = {};
    for (const kv of info.Config.Env ?? []) {
      const eq = kv.indexOf('=');
      if (eq > 0) env[kv.slice(0, eq)] = kv.slice(eq + 1);
    }
    return env;
  }

  /** Whether it runs and since when (epoch ms); null when it is gone. */
  async inspect(containerId: string): Promise<{ running: boolean; startedAt: number; exitCode: number } | null> {
    try {
      const info = await this.docker.getContainer(containerId).inspect();
      return { running: info.State.Running, startedAt: Date.parse(info.State.StartedAt) || 0, exitCode: info.State.ExitCode };
    } catch (err) {
      if (status(err) === 404) return null;
      throw err;
    }
  }

  async stop(containerId: string, timeoutMs: number): Promise<void> {
    await this.docker
      .getContainer(containerId)
      .stop({ t: Math.ceil(timeoutMs / 1000) })
      .catch((err) => {
        if (status(err) !== 304 && status(err) !== 404) throw err;
      });
  }

  /** Stops (SIGTERM, then SIGKILL after the timeout) and removes it; gone is fine. */
  async remove(containerId: string, timeoutMs: number): Promise<void> {
    await this.stop(containerId, timeoutMs).catch(() => {});
    await this.docker
      .getContainer(containerId)
      .remove({ force: true })
      .catch((err) => {
        if (status(err) !== 404 && status(err) !== 409) throw err;
      });
  }

  /** This installation's sidecar containers (all states). */
  async list(): Promise<SidecarContainer[]> {
    const rows = await this.docker.listContainers({ all: true, filters: { label: [`gantry.instance=${this.installation}`, 'gantry.role=sidecar'] } });
    return rows.map((r) => ({ containerId: r.Id, allocId: r.Labels['gantry.alloc.id'] ?? '', sidecar: r.Labels['gantry.sidecar'] ?? '', state: r.State }));
  }

  /** This installation's scratch volumes: name and allocation. */
  async scratchVolumes(): Promise<{ name: string; allocId: string }[]> {
    const res = await this.docker.listVolumes({ filters: { label: [`gantry.instance=${this.installation}`, 'gantry.role=scratch'] } });
    return (res.Volumes ?? []).map((v) => ({ name: v.Name, allocId: v.Labels?.['gantry.alloc.id'] ?? '' }));
  }

  /** Removes a scratch volume; gone or still in use (removed by a later sweep) is fine. */
  async removeVolume(name: string): Promise<boolean> {
    try {
      await this.docker.getVolume(name).remove();
      return true;
    } catch (err) {
      if (status(err) === 404) return true;
      return false;
    }
  }
}
