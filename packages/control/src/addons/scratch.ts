/**
 * Scratch servers: throw-away containers of an add-on's server image in which a backup is
 * restored to check it (verify.ts). They run on the control plane's own engine, never on an
 * add-on's host: a data dir on an anonymous volume (no named volume), no network at all (NetworkMode
 * none: everything goes through exec), labelled gantry.instance=<installation> and
 * gantry.role=scratch-db, and removed with their anonymous volume when the check ends.
 */
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Docker } from '@gantry/docker';
import { execIn, putFileIn, type ExecIo, type ExecResult } from './container-exec';

export const SCRATCH_ROLE = 'scratch-db';

export interface ScratchSpec {
  image: string;
  env: Record<string, string>;
  /** Replaces the image's command (a Redis scratch server starts redis-server on the snapshot). */
  cmd?: string[];
  /** Where the anonymous volume is mounted (the image's data dir). */
  dataDir: string;
}

export interface ScratchServer {
  readonly name: string;
  /** Files may be put in before start (a snapshot the server loads when it starts). */
  putFile(dir: string, name: string, source: Readable, size: number): Promise<void>;
  start(): Promise<void>;
  exec(argv: string[], io?: ExecIo): Promise<ExecResult>;
  /** Running, or exited with its code. */
  status(): Promise<{ running: boolean; exitCode: number }>;
  /** The end of its output (why it did not start). */
  logs(tail?: number): Promise<string>;
  /** Removes it and its anonymous volume; idempotent. */
  remove(): Promise<void>;
}

export interface ScratchServers {
  create(spec: ScratchSpec): Promise<ScratchServer>;
  /** Scratch servers of this installation left by a process that died mid-check, older than `olderThanMs`. */
  sweep(olderThanMs: number): Promise<number>;
}

export class DockerScratchServers implements ScratchServers {
  constructor(private readonly deps: { docker: Docker; installation: string }) {}

  private labels() {
    return { 'gantry.instance': this.deps.installation, 'gantry.role': SCRATCH_ROLE };
  }

  async create(spec: ScratchSpec): Promise<ScratchServer> {
    const { docker } = this.deps;
    const name = `gantry-${this.deps.installation}-scratch-${randomBytes(4).toString('hex')}`;
    const container = await docker.createContainer({
      name,
      Image: spec.image,
      Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
      ...(spec.cmd ? { Cmd: spec.cmd } : {}),
      Labels: this.labels(),
      // An anonymous volume (no name), removed with the container (remove v=true).
      Volumes: { [spec.dataDir]: {} },
      HostConfig: { Init: true, NetworkMode: 'none' },
    });
    return new DockerScratch(docker, container, name);
  }

  async sweep(olderThanMs: number): Promise<number> {
    const rows = await this.deps.docker.listContainers({ all: true, filters: { label: Object.entries(this.labels()).map(([k, v]) => `${k}=${v}`) } });
    const cutoff = (Date.now() - olderThanMs) / 1000;
    let removed = 0;
    for (const r of rows.filter((r) => r.Created < cutoff)) {
      await this.deps.docker.getContainer(r.Id).remove({ force: true, v: true }).then(() => removed++, () => {});
    }
    return removed;
  }
}

class DockerScratch implements ScratchServer {
  constructor(
    private readonly docker: Docker,
    private readonly container: Docker.Container,
    readonly name: string,
  ) {}

  putFile(dir: string, name: string, source: Readable, size: number) {
    return putFileIn(this.container, dir, name, source, size);
  }

  async start() {
    await this.container.start();
  }

  exec(argv: string[], io?: ExecIo) {
    return execIn(this.docker, this.container, argv, io);
  }

  async status() {
    const s = (await this.container.inspect()).State;
    return { running: s.Running, exitCode: s.ExitCode };
  }

  async logs(tail = 20) {
    const buf = (await this.container.logs({ stdout: true, stderr: true, follow: false, tail })) as unknown as Buffer;
    // Demuxed by hand: 8-byte frame headers (stream, 0, 0, 0, size).
    const out: Buffer[] = [];
    for (let i = 0; i + 8 <= buf.length; ) {
      const size = buf.readUInt32BE(i + 4);
      out.push(buf.subarray(i + 8, i + 8 + size));
      i += 8 + size;
    }
    return Buffer.concat(out).toString('utf8').trim();
  }

  async remove() {
    try {
      await this.container.remove({ force: true, v: true });
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode !== 404) throw e;
    }
  }
}
