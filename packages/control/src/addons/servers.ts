/**
 * The port through which add-on use cases reach an add-on's server, and its Docker adapter: the
 * server's state (its allocation, as its agent reports it), commands run inside its container
 * (pg_dump, pg_restore, psql -c), and files copied into it. The container is found on its host's
 * engine by its allocation id; the host is reached as one-offs reach it (its Docker URL and TLS).
 */
import type { Readable } from 'node:stream';
import { Unavailable } from '@gantry/core';
import type { Db } from '@gantry/db';
import { connectDocker, type Docker } from '@gantry/docker';
import { hostIsUp, type AddonHaStore, type AllocationStore, type HostRegistry } from '@gantry/live';
import type { AllocationStatus } from '@gantry/scheduler-core';
import { hostTls } from '../hosts';
import { execIn, putFileIn, type ExecIo, type ExecResult } from './container-exec';

export type { ExecResult } from './container-exec';

export interface AddonServerState {
  /** What its agent reports; "unplaced" before the scheduler placed it (or, HA, while no leader is elected: see message), "lost" when its host is down. */
  status: AllocationStatus | 'unplaced';
  hostId: string | null;
  host: string | null;
  since: number | null;
  message: string | null;
  /** The release the reported server runs. */
  releaseId: string | null;
}

export interface AddonServers {
  state(appId: string): Promise<AddonServerState>;
  /**
   * Runs argv in the server's container (an HA add-on's: its elected leader's, or the instance of
   * process type `type`); stdout goes to `stdout` when given (binary safe), else is collected.
   */
  exec(appId: string, argv: string[], io?: ExecIo, type?: string): Promise<ExecResult>;
  /** Copies a file into the server's container at dir/name. */
  putFile(appId: string, dir: string, name: string, source: Readable, size: number): Promise<void>;
  /** Removes the add-on's Docker volume from the host it lives on (after its server stopped). */
  removeVolume(hostId: string, dockerName: string): Promise<void>;
  /** The running server's address on each of its Docker networks (network name -> IP). */
  addresses(appId: string): Promise<Record<string, string>>;
}

const RANK: Record<string, number> = { healthy: 5, starting: 4, unhealthy: 3, pending: 2, crashed: 1 };

export class DockerAddonServers implements AddonServers {
  constructor(private readonly deps: { db: Db; allocs: AllocationStore; hosts: HostRegistry; ha: Pick<AddonHaStore, 'leaderOf'>; secret: string; graceMs: number }) {}

  /**
   * The allocations that are "the server": all of a single server's; of an HA add-on, its elected
   * leader's (none while there is none), or those of one process type when asked.
   */
  private async serverAllocs(appId: string, type?: string) {
    const allocs = (await this.deps.allocs.ofApp(appId)).filter((a) => a.desired === 'run');
    if (type) return allocs.filter((a) => a.type === type);
    if (!allocs.some((a) => a.type !== allocs[0]!.type)) return allocs;
    const leader = await this.deps.ha.leaderOf(appId);
    return allocs.filter((a) => `${a.type}.${a.index}` === leader);
  }

  async state(appId: string): Promise<AddonServerState> {
    const allocs = await this.serverAllocs(appId);
    if (allocs.length === 0) {
      // An HA add-on whose members run but whose etcd names no leader (yet) is placed, not serving.
      const members = (await this.deps.allocs.ofApp(appId)).filter((a) => a.desired === 'run');
      const message = members.length ? 'no leader elected: its members run, Patroni has not named a primary yet' : null;
      return { status: 'unplaced', hostId: null, host: null, since: null, message, releaseId: null };
    }
    const states = await this.deps.allocs.states(allocs.map((a) => a.id));
    const beats = await this.deps.hosts.beats([...new Set(allocs.map((a) => a.hostId))]);
    const now = Date.now();
    const ranked = allocs
      .map((a) => {
        const s = states.get(a.id);
        const up = hostIsUp(beats.get(a.hostId), now, this.deps.graceMs);
        return { a, status: (up ? (s?.status ?? 'pending') : 'lost') as AllocationStatus, s };
      })
      .sort((x, y) => (RANK[y.status] ?? 0) - (RANK[x.status] ?? 0));
    const best = ranked[0]!;
    const host = await this.deps.db.host.findUnique({ where: { id: best.a.hostId }, select: { name: true } });
    return { status: best.status, hostId: best.a.hostId, host: host?.name ?? null, since: best.s?.since ?? null, message: best.s?.message ?? null, releaseId: best.a.releaseId };
  }

  private async dockerOf(hostId: string): Promise<Docker> {
    const h = await this.deps.db.host.findUnique({ where: { id: hostId } });
    if (!h) throw new Unavailable('The host of the add-on is gone.');
    return connectDocker(h.dockerUrl, hostTls(h, this.deps.secret));
  }

  private async container(appId: string, type?: string): Promise<{ docker: Docker; container: Docker.Container }> {
    const allocs = await this.serverAllocs(appId, type);
    const states = await this.deps.allocs.states(allocs.map((a) => a.id));
    const alloc = allocs.find((a) => states.get(a.id)?.status === 'healthy') ?? allocs.find((a) => states.get(a.id)?.status === 'starting');
    if (!alloc) throw new Unavailable(`The add-on's server is not running (${allocs.length ? `state: ${states.get(allocs[0]!.id)?.status ?? 'pending'}` : type ? 'not placed' : 'not placed, or no leader elected'}).`);
    const docker = await this.dockerOf(alloc.hostId);
    const rows = await docker.listContainers({ filters: { label: [`gantry.alloc.id=${alloc.id}`], status: ['running'] } });
    if (!rows[0]) throw new Unavailable("The add-on's server container is not running on its host.");
    return { docker, container: docker.getContainer(rows[0].Id) };
  }

  async exec(appId: string, argv: string[], io: ExecIo = {}, type?: string): Promise<ExecResult> {
    const { docker, container } = await this.container(appId, type);
    return execIn(docker, container, argv, io);
  }

  async addresses(appId: string): Promise<Record<string, string>> {
    const { container } = await this.container(appId);
    const nets = ((await container.inspect()).NetworkSettings?.Networks ?? {}) as Record<string, { IPAddress?: string }>;
    return Object.fromEntries(Object.entries(nets).filter(([, n]) => n.IPAddress).map(([name, n]) => [name, n.IPAddress!]));
  }

  async putFile(appId: string, dir: string, name: string, source: Readable, size: number): Promise<void> {
    const { container } = await this.container(appId);
    await putFileIn(container, dir, name, source, size);
  }

  async removeVolume(hostId: string, dockerName: string): Promise<void> {
    const docker = await this.dockerOf(hostId);
    try {
      await docker.getVolume(dockerName).remove();
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode !== 404) throw e;
    }
  }
}
