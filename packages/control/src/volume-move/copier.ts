/**
 * The Docker adapter that copies a volume's data from one host to another: short-lived helper
 * containers (argv from copy-plan.ts, no network, run as root so owners and modes survive) on each
 * host mount the volume at /v; the source's tar stream goes through the control plane into the
 * target's stdin. Hosts are reached as add-on servers and one-offs reach them (Docker URL + TLS).
 */
import { PassThrough, Transform, Writable, type Duplex, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Unavailable } from '@gantry/core';
import type { Db } from '@gantry/db';
import { connectDocker, type Docker } from '@gantry/docker';
import { hostTls } from '../hosts';
import { Demux, MOUNT, listArgv, packArgv, parseListing, unpackArgv, type Listing } from './copy-plan';

export interface VolumeCopier {
  /** Running (or restarting) containers on the host that mount the Docker volume. */
  users(hostId: string, dockerName: string): Promise<string[]>;
  /** Whether the host's engine answers. */
  reachable(hostId: string): Promise<boolean>;
  /** The first of `refs` the host has (helper containers use it: it has tar and find), or null. */
  imageOn(hostId: string, refs: string[]): Promise<string | null>;
  /** Makes sure `to` has the image, streaming it from `from` (docker save | docker load) if not. */
  copyImage(fromHostId: string, toHostId: string, ref: string): Promise<void>;
  /** Streams the volume's files from one host into a fresh volume of that name on the other; returns the bytes of the tar stream. */
  copy(fromHostId: string, toHostId: string, dockerName: string, image: string): Promise<{ bytes: number }>;
  /** What the volume holds on that host. */
  listing(hostId: string, dockerName: string, image: string): Promise<Listing>;
  /** Removes the Docker volume from the host (absent: nothing to do). */
  remove(hostId: string, dockerName: string): Promise<void>;
}

/** A host's engine, reached as one-offs reach it (its Docker URL and TLS). */
export async function hostEngine(db: Db, secret: string, hostId: string): Promise<Docker> {
  const h = await db.host.findUnique({ where: { id: hostId } });
  if (!h) throw new Unavailable('A host of the move is gone.');
  return connectDocker(h.dockerUrl, hostTls(h, secret));
}

export class DockerVolumeCopier implements VolumeCopier {
  constructor(private readonly deps: { db: Db; secret: string; installation: string }) {}

  private engine(hostId: string): Promise<Docker> {
    return hostEngine(this.deps.db, this.deps.secret, hostId);
  }

  async users(hostId: string, dockerName: string): Promise<string[]> {
    const docker = await this.engine(hostId);
    const rows = await docker.listContainers({ all: true, filters: { volume: [dockerName], status: ['running', 'restarting', 'paused'] } });
    return rows.map((r) => (r.Names?.[0] ?? r.Id).replace(/^\//, ''));
  }

  async reachable(hostId: string): Promise<boolean> {
    try {
      await (await this.engine(hostId)).ping();
      return true;
    } catch {
      return false;
    }
  }

  async imageOn(hostId: string, refs: string[]): Promise<string | null> {
    const docker = await this.engine(hostId);
    for (const ref of refs) {
      const ok = await docker.getImage(ref).inspect().then(() => true, () => false);
      if (ok) return ref;
    }
    return null;
  }

  async copyImage(fromHostId: string, toHostId: string, ref: string): Promise<void> {
    const to = await this.engine(toHostId);
    if (await to.getImage(ref).inspect().then(() => true, () => false)) return;
    const from = await this.engine(fromHostId);
    const saved = (await from.getImage(ref).get()) as unknown as Readable;
    const out = await to.loadImage(saved);
    await new Promise<void>((resolve, reject) => to.modem.followProgress(out, (err) => (err ? reject(err) : resolve())));
    await to.getImage(ref).inspect();
  }

  async copy(fromHostId: string, toHostId: string, dockerName: string, image: string): Promise<{ bytes: number }> {
    const [from, to] = [await this.engine(fromHostId), await this.engine(toHostId)];
    await to.createVolume({ Name: dockerName, Labels: { 'gantry.instance': this.deps.installation, 'gantry.role': 'volume' } });
    const target = await this.helper(to, image, dockerName, unpackArgv(), { readOnly: false, stdin: true });
    let source: Docker.Container | undefined;
    try {
      const inStream = (await target.attach({ stream: true, hijack: true, stdin: true, stdout: true, stderr: true })) as unknown as Duplex;
      const targetErr: Buffer[] = [];
      const targetOut = pipeline(inStream, new Demux((b) => targetErr.push(b)), new PassThrough().resume()).catch(() => {});
      await target.start();
      source = await this.helper(from, image, dockerName, packArgv(), { readOnly: true, stdin: false });
      const outStream = (await source.attach({ stream: true, stdout: true, stderr: true })) as unknown as Readable;
      const sourceErr: Buffer[] = [];
      let bytes = 0;
      const count = new Transform({ transform: (c: Buffer, _e, cb) => ((bytes += c.length), cb(null, c)) });
      const started = source.start();
      // The source's stdout into the target's stdin, closed once the tar stream ends. Not piped
      // into the socket itself: the target may exit (and Docker close the socket) before the
      // socket reports its end written, which pipeline takes as a premature close; the target's
      // exit code says whether it read everything.
      let waiting: ((e?: Error) => void) | null = null;
      inStream.once('close', () => waiting?.(new Error("the target host's tar stopped reading")));
      const toTarget = new Writable({
        write: (c: Buffer, _e, cb) => {
          if (inStream.destroyed) return cb(new Error("the target host's tar stopped reading"));
          if (inStream.write(c)) return cb();
          waiting = cb;
          inStream.once('drain', () => {
            if (waiting !== cb) return;
            waiting = null;
            cb();
          });
        },
        final: (cb) => {
          inStream.end();
          cb();
        },
      });
      const copied = pipeline(outStream, new Demux((b) => sourceErr.push(b)), count, toTarget);
      await started;
      await copied;
      const [s, t] = await Promise.all([source.wait() as Promise<{ StatusCode?: number }>, target.wait() as Promise<{ StatusCode?: number }>]);
      await targetOut;
      if (s.StatusCode !== 0) throw new Error(`tar on the source host exited with ${s.StatusCode}: ${Buffer.concat(sourceErr).toString().trim().slice(0, 300)}`);
      if (t.StatusCode !== 0) throw new Error(`tar on the target host exited with ${t.StatusCode}: ${Buffer.concat(targetErr).toString().trim().slice(0, 300)}`);
      return { bytes };
    } finally {
      await source?.remove({ force: true }).catch(() => {});
      await target.remove({ force: true }).catch(() => {});
    }
  }

  async listing(hostId: string, dockerName: string, image: string): Promise<Listing> {
    const docker = await this.engine(hostId);
    const c = await this.helper(docker, image, dockerName, listArgv(), { readOnly: true, stdin: false });
    try {
      const stream = (await c.attach({ stream: true, stdout: true, stderr: true })) as unknown as Readable;
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      const read = pipeline(stream, new Demux((b) => err.push(b)), new PassThrough().on('data', (b: Buffer) => out.push(b)));
      await c.start();
      const r = (await c.wait()) as { StatusCode?: number };
      await read;
      if (r.StatusCode !== 0) throw new Error(`listing the volume exited with ${r.StatusCode}: ${Buffer.concat(err).toString().trim().slice(0, 300)}`);
      return parseListing(Buffer.concat(out).toString('utf8'));
    } finally {
      await c.remove({ force: true }).catch(() => {});
    }
  }

  async remove(hostId: string, dockerName: string): Promise<void> {
    const docker = await this.engine(hostId);
    try {
      await docker.getVolume(dockerName).remove();
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode !== 404) throw e;
    }
  }

  /** A created (not started) helper: argv as its whole command, the volume at /v, no network, as root. */
  private helper(docker: Docker, image: string, dockerName: string, argv: string[], o: { readOnly: boolean; stdin: boolean }): Promise<Docker.Container> {
    return docker.createContainer({
      Image: image,
      Entrypoint: [argv[0]!],
      Cmd: argv.slice(1),
      User: '0:0',
      WorkingDir: '/',
      Labels: { 'gantry.instance': this.deps.installation, 'gantry.role': 'volume-move' },
      AttachStdout: true,
      AttachStderr: true,
      ...(o.stdin ? { AttachStdin: true, OpenStdin: true, StdinOnce: true } : {}),
      HostConfig: { NetworkMode: 'none', Mounts: [{ Type: 'volume', Source: dockerName, Target: MOUNT, ReadOnly: o.readOnly }] },
    });
  }
}
