/**
 * The thin adapter between an agent and its Docker host: start an instance from a spec, inspect,
 * stop, list, read its last log lines, follow its output and events, sample its usage. No
 * decisions live here.
 */
import type { Readable } from 'node:stream';
import type { Docker } from '@gantry/docker';
import { appHostConfig, createOnNetworks, demuxLines, ensureAppsBridge, type AppsBridge } from '@gantry/docker';
import type { PrivateAddresses } from '@gantry/live';
import { appsBridgeName } from '@gantry/core';
import { INSTANCE_PORT } from '@gantry/scheduler-core';
import { scratchMount } from './sidecar-containers';

/** What to run: an instance spec as the start command carries it. */
export interface ContainerSpec {
  name: string;
  image: string;
  cmd?: string[] | undefined;
  env: Record<string, string>;
  labels: Record<string, string>;
  memoryBytes: number;
  cpuShares: number;
  exposesPort: boolean;
  network?: { name: string; subnet: string } | undefined;
  /** The scratch volume it shares with its sidecars (sidecar-containers.ts), mounted at /scratch. */
  scratch?: string | undefined;
  /** Named volumes of this host mounted into it (Docker makes one that does not exist yet). */
  mounts?: { source: string; target: string }[] | undefined;
}

/** Label listing the named volumes a container mounts (comma-separated), so one writer per volume can be enforced. */
export const VOLUMES_LABEL = 'gantry.volumes';

export interface StartedInstance {
  containerId: string;
  name: string;
}

export interface InstanceStatus {
  running: boolean;
  restarting: boolean;
  exitCode: number | null;
  /** Address of the container on the host's bridge (for health checks from this host). */
  ip: string | null;
  /** Its address on its team's private network, when it is on one. */
  privateIp: string | null;
  /** Published port of $PORT on the host address (for routers). */
  hostPort: number | null;
  startedAt: number;
}

export interface HostContainer {
  containerId: string;
  name: string;
  labels: Record<string, string>;
  state: string;
  createdAt: number;
}

export class DockerHost {
  private bridge: Promise<AppsBridge> | null = null;

  constructor(
    readonly docker: Docker,
    readonly opts: {
      address: string;
      installation: string;
      /** Reserves team-network addresses (absent: containers get no private address). */
      addresses?: PrivateAddresses;
      /** Whether containers use this host's netd for DNS (else Docker's default resolvers). */
      netdReady?: () => Promise<boolean>;
    },
  ) {}

  /** The host's apps bridge (made on first use). */
  appsBridge(): Promise<AppsBridge> {
    this.bridge ??= ensureAppsBridge(this.docker, this.opts.installation).catch((err) => {
      this.bridge = null;
      throw err;
    });
    return this.bridge;
  }

  /** Creates and starts an instance: restarted by the engine unless stopped, $PORT published when it exposes one. */
  async start(spec: ContainerSpec): Promise<StartedInstance> {
    const port = `${INSTANCE_PORT}/tcp`;
    for (const m of spec.mounts ?? []) await this.prepareVolume(m.source, spec.image);
    return this.createAndStart(spec, {
      ExposedPorts: spec.exposesPort ? { [port]: {} } : {},
      HostConfig: {
        RestartPolicy: { Name: 'unless-stopped' },
        PortBindings: spec.exposesPort ? { [port]: [{ HostIp: this.opts.address, HostPort: '' }] } : {},
        Mounts: [
          ...(spec.scratch ? [scratchMount(spec.scratch, spec.labels, spec.memoryBytes)] : []),
          ...(spec.mounts ?? []).map((m) => volumeMount(m, this.opts.installation)),
        ],
      },
    });
  }

  /**
   * Makes a volume that does not exist yet, owned by the image's user: Docker makes a new volume's
   * root root's, and apps run as an unprivileged user (the stack's uid 1000), so without this an
   * app could not write to its own volume. Done once, by a short container of the same image run
   * as root with no network (argv, no shell); an existing volume is left as it is.
   */
  async prepareVolume(name: string, image: string): Promise<void> {
    const exists = await this.docker
      .getVolume(name)
      .inspect()
      .then(
        () => true,
        (err: { statusCode?: number }) => {
          if (err.statusCode === 404) return false;
          throw err;
        },
      );
    if (exists) return;
    await this.docker.createVolume({ Name: name, Labels: volumeLabels(this.opts.installation) });
    const user = ((await this.docker.getImage(image).inspect()).Config?.User ?? '').trim();
    if (!user || user === 'root' || /^0(:|$)/.test(user)) return;
    const c = await this.docker.createContainer({
      Image: image,
      Entrypoint: ['chown'],
      Cmd: [user, '/volume'],
      User: '0:0',
      Labels: { 'gantry.instance': this.opts.installation, 'gantry.role': 'volume-init' },
      HostConfig: { NetworkMode: 'none', Mounts: [{ Type: 'volume', Source: name, Target: '/volume' }] },
    });
    try {
      await c.start();
      const r = (await c.wait()) as { StatusCode?: number };
      if (r.StatusCode !== 0) throw new Error(`could not give the new volume ${name} to the image's user ${user} (chown exited with ${r.StatusCode})`);
    } finally {
      await c.remove({ force: true }).catch(() => {});
    }
  }

  /** Containers of this installation that mount one of these volumes (running or not). */
  async usersOf(volumes: string[]): Promise<HostContainer[]> {
    const wanted = new Set(volumes);
    return (await this.list()).filter((c) => (c.labels[VOLUMES_LABEL] ?? '').split(',').some((v) => wanted.has(v)));
  }

  /** Creates and starts a task container: no restart policy, no published port (it runs once). */
  async startTask(spec: ContainerSpec): Promise<StartedInstance> {
    return this.createAndStart(spec, { HostConfig: {} });
  }

  private async createAndStart(spec: ContainerSpec, extra: { ExposedPorts?: Record<string, object>; HostConfig: Record<string, unknown> }): Promise<StartedInstance> {
    const bridge = await this.appsBridge();
    const env = { ...spec.env };
    const labels: Record<string, string> = { ...spec.labels, ...(spec.mounts?.length ? { [VOLUMES_LABEL]: spec.mounts.map((m) => m.source).join(',') } : {}) };
    let team: { name: string; ip: string } | undefined;
    if (spec.network && this.opts.addresses) {
      const ip = await this.opts.addresses.reserve(spec.network.name, spec.network.subnet, spec.name);
      team = { name: spec.network.name, ip };
      env.GANTRY_PRIVATE_IP = ip;
      labels['gantry.private.network'] = spec.network.name;
      labels['gantry.private.ip'] = ip;
    }
    let container: Awaited<ReturnType<typeof createOnNetworks>> | undefined;
    try {
      container = await createOnNetworks(
        this.docker,
        {
          name: spec.name,
          Image: spec.image,
          ...(spec.cmd ? { Cmd: spec.cmd } : {}),
          Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
          Labels: labels,
          ...(extra.ExposedPorts ? { ExposedPorts: extra.ExposedPorts } : {}),
          HostConfig: { ...appHostConfig({ memoryBytes: spec.memoryBytes, cpuShares: spec.cpuShares, logMaxSize: '10m', logMaxFiles: 2 }), ...extra.HostConfig },
        },
        { bridge, dns: (await this.opts.netdReady?.()) ? bridge.gateway : null, team },
      );
      await container.start();
    } catch (err) {
      if (container) await container.remove({ force: true }).catch(() => {});
      if (team) await this.opts.addresses!.release(team.name, team.ip, spec.name).catch(() => {});
      throw err;
    }
    return { containerId: container.id, name: spec.name };
  }

  /** Waits for a container to exit; its exit code. */
  async wait(containerId: string): Promise<number> {
    const res = (await this.docker.getContainer(containerId).wait()) as { StatusCode: number };
    return res.StatusCode;
  }

  async status(containerId: string): Promise<InstanceStatus | null> {
    try {
      const info = await this.docker.getContainer(containerId).inspect();
      const bindings = info.NetworkSettings.Ports?.[`${INSTANCE_PORT}/tcp`];
      const hostPort = bindings?.[0]?.HostPort ? Number(bindings[0].HostPort) : null;
      return {
        running: info.State.Running,
        restarting: info.State.Restarting,
        // Under a restart policy a crashed container is "running" and "restarting" at once.
        exitCode: info.State.Running && !info.State.Restarting ? null : info.State.ExitCode,
        ip: containerIp(info.NetworkSettings, this.opts.installation),
        privateIp: info.Config.Labels?.['gantry.private.network'] ? (info.NetworkSettings.Networks?.[info.Config.Labels['gantry.private.network']]?.IPAddress || null) : null,
        hostPort,
        startedAt: Date.parse(info.State.StartedAt) || Date.now(),
      };
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return null;
      throw err;
    }
  }

  /** Kills and removes a container at once (one-offs: nothing to shut down gracefully for). */
  async kill(containerId: string): Promise<void> {
    await this.docker.getContainer(containerId).remove({ force: true, v: true }).catch((err: { statusCode?: number }) => {
      if (err.statusCode !== 404 && err.statusCode !== 409) throw err;
    });
  }

  /**
   * Stops (SIGTERM, then SIGKILL after the timeout) and removes an instance; gone is fine. A
   * container that stopped but could not be removed (seen: overlay2 "device or resource busy")
   * still counts as stopped: the result says why it stays, and the agent's reconcile removes it
   * later as unclaimed. Throws only when the container may still run.
   */
  async stop(containerId: string, timeoutMs: number, beforeRemove?: () => Promise<void>): Promise<{ removed: true } | { removed: false; why: string }> {
    const c = this.docker.getContainer(containerId);
    try {
      await c.stop({ t: Math.ceil(timeoutMs / 1000) });
    } catch (err) {
      const code = (err as { statusCode?: number }).statusCode;
      if (code !== 304 && code !== 404) throw err;
    }
    // Its sidecars (sidecars.ts) go between its stop and its removal.
    if (beforeRemove) await beforeRemove();
    try {
      await c.remove({ force: true, v: true });
    } catch (err) {
      const code = (err as { statusCode?: number }).statusCode;
      if (code === 404 || code === 409) return { removed: true };
      const st = await this.status(containerId).catch(() => undefined);
      if (st === null) return { removed: true };
      if (st && !st.running) return { removed: false, why: (err as Error).message };
      throw err;
    }
    return { removed: true };
  }

  /** This installation's app containers (all states). */
  async list(role: 'app' | 'run' | 'task' = 'app'): Promise<HostContainer[]> {
    const label = [`gantry.instance=${this.opts.installation}`, `gantry.role=${role}`];
    const rows = await this.docker.listContainers({ all: true, filters: { label } });
    return rows.map((r) => ({
      containerId: r.Id,
      name: (r.Names[0] ?? '').replace(/^\//, ''),
      labels: r.Labels,
      state: r.State,
      createdAt: r.Created * 1000,
    }));
  }

  /** The last lines an instance printed (for crash reports). */
  async lastLines(containerId: string, count: number): Promise<string[]> {
    try {
      const buf = (await this.docker.getContainer(containerId).logs({ stdout: true, stderr: true, tail: count, follow: false })) as unknown as Buffer;
      return demuxBuffer(buf).slice(-count);
    } catch {
      return [];
    }
  }

  /** Follows an instance's output from `sinceMs` on; resolves when the container stops. */
  async follow(containerId: string, sinceMs: number, onLine: (line: string, stream: 'stdout' | 'stderr') => void): Promise<void> {
    const stream = (await this.docker.getContainer(containerId).logs({
      stdout: true,
      stderr: true,
      follow: true,
      since: Math.floor(sinceMs / 1000),
    })) as unknown as Readable;
    await demuxLines(this.docker, stream, onLine);
  }

  /** Starts a stopped container again (already running is fine). */
  async startExisting(containerId: string): Promise<void> {
    try {
      await this.docker.getContainer(containerId).start();
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== 304) throw err;
    }
  }

  async restart(containerId: string, timeoutMs: number): Promise<void> {
    await this.docker.getContainer(containerId).restart({ t: Math.ceil(timeoutMs / 1000) });
  }

  /**
   * Container lifecycle events of this installation's apps. `onEnd` is called if the stream ends
   * (engine restarted, connection dropped) so the caller can subscribe again. Returns a stop function.
   */
  async events(
    onEvent: (e: { action: string; containerId: string; labels: Record<string, string>; exitCode?: number }) => void,
    onEnd: () => void = () => {},
    only: { anyRole?: boolean; actions?: string[] } = {},
  ): Promise<() => void> {
    const label = [`gantry.instance=${this.opts.installation}`, ...(only.anyRole ? [] : ['gantry.role=app'])];
    const stream = (await this.docker.getEvents({
      filters: { type: ['container'], label, ...(only.actions ? { event: only.actions } : {}) },
    })) as unknown as Readable;
    let buf = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (!line) continue;
        try {
          const e = JSON.parse(line) as { Action: string; Actor: { ID: string; Attributes: Record<string, string> } };
          const exit = e.Actor.Attributes.exitCode;
          onEvent({ action: e.Action, containerId: e.Actor.ID, labels: e.Actor.Attributes, ...(exit !== undefined ? { exitCode: Number(exit) } : {}) });
        } catch {
          /* partial or foreign line */
        }
      }
    });
    let stopped = false;
    const ended = () => {
      if (!stopped) {
        stopped = true;
        onEnd();
      }
    };
    stream.on('end', ended);
    stream.on('close', ended);
    stream.on('error', ended);
    return () => {
      stopped = true;
      stream.destroy();
    };
  }
}

/** The container's address on the apps bridge, else on its first network; older engines also report it at the top. */
function containerIp(ns: { Networks?: Record<string, { IPAddress?: string }>; IPAddress?: string }, installation: string): string | null {
  const bridge = ns.Networks?.[appsBridgeName(installation)]?.IPAddress;
  if (bridge) return bridge;
  for (const n of Object.values(ns.Networks ?? {})) if (n.IPAddress) return n.IPAddress;
  return ns.IPAddress || null;
}

/** Splits a multiplexed (non-TTY) log buffer into lines. */
function demuxBuffer(buf: Buffer): string[] {
  const out: string[] = [];
  let i = 0;
  let text = '';
  while (i + 8 <= buf.length) {
    const size = buf.readUInt32BE(i + 4);
    text += buf.subarray(i + 8, i + 8 + size).toString('utf8');
    i += 8 + size;
  }
  for (const l of text.split('\n')) if (l.length) out.push(l);
  return out;
}

/** A named volume mount; a volume Docker creates on first use carries the installation's labels. */
export function volumeMount(m: { source: string; target: string }, installation: string) {
  return {
    Type: 'volume' as const,
    Source: m.source,
    Target: m.target,
    VolumeOptions: { Labels: volumeLabels(installation) },
  };
}

function volumeLabels(installation: string): Record<string, string> {
  return { 'gantry.instance': installation, 'gantry.role': 'volume' };
}
