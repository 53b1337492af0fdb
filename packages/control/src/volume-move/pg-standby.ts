/**
 * The Docker adapter of a Postgres move's standby: a container of the add-on image on the target
 * host, on the add-on team's private network (where it reaches the primary), with the add-on's
 * Docker volume there; plus pg_controldata run on the source host's copy once the primary stopped.
 */
import { Unavailable } from '@gantry/core';
import type { Db } from '@gantry/db';
import type { Docker } from '@gantry/docker';
import { execIn, type ExecResult } from '../addons/container-exec';
import { hostEngine } from './copier';
import { demuxText } from './copy-plan';
import { PG_BIN, standbyArgv } from './pg-standby-plan';

export interface StandbyStart {
  image: string;
  /** The add-on's Docker volume (made on the host, empty). */
  dockerName: string;
  /** The team's overlay network. */
  network: string;
  env: { PRIMARY_HOST: string; REPL_USER: string; REPL_SLOT: string; PGPASSWORD: string };
}

export interface PgStandbys {
  start(hostId: string, o: StandbyStart): Promise<string>;
  /** argv in the standby (as root: psql reaches the server on its Unix socket as postgres). */
  exec(hostId: string, id: string, argv: string[]): Promise<ExecResult>;
  running(hostId: string, id: string): Promise<boolean>;
  logs(hostId: string, id: string): Promise<string>;
  /** Fast shutdown (SIGINT), waits for the exit; returns the exit code. */
  stop(hostId: string, id: string): Promise<number | null>;
  remove(hostId: string, id: string): Promise<void>;
  /** pg_controldata of the cluster on the host's copy of the volume (its server stopped). */
  controlData(hostId: string, dockerName: string, image: string): Promise<string>;
}

export class DockerPgStandbys implements PgStandbys {
  constructor(private readonly deps: { db: Db; secret: string; installation: string }) {}

  private engine(hostId: string): Promise<Docker> {
    return hostEngine(this.deps.db, this.deps.secret, hostId);
  }

  async start(hostId: string, o: StandbyStart): Promise<string> {
    const docker = await this.engine(hostId);
    await docker.createVolume({ Name: o.dockerName, Labels: { 'gantry.instance': this.deps.installation, 'gantry.role': 'volume' } });
    const argv = standbyArgv();
    const c = await docker.createContainer({
      Image: o.image,
      Entrypoint: [argv[0]!],
      Cmd: argv.slice(1),
      User: '0:0',
      Env: Object.entries(o.env).map(([k, v]) => `${k}=${v}`),
      Labels: { 'gantry.instance': this.deps.installation, 'gantry.role': 'pg-standby' },
      HostConfig: { NetworkMode: o.network, Mounts: [{ Type: 'volume', Source: o.dockerName, Target: '/data' }] },
    });
    try {
      await c.start();
    } catch (err) {
      await c.remove({ force: true }).catch(() => {});
      throw err;
    }
    return c.id;
  }

  async exec(hostId: string, id: string, argv: string[]): Promise<ExecResult> {
    const docker = await this.engine(hostId);
    return execIn(docker, docker.getContainer(id), argv);
  }

  async running(hostId: string, id: string): Promise<boolean> {
    const info = await (await this.engine(hostId)).getContainer(id).inspect();
    return info.State?.Running === true;
  }

  async logs(hostId: string, id: string): Promise<string> {
    const raw = (await (await this.engine(hostId)).getContainer(id).logs({ stdout: true, stderr: true, tail: 20 })) as unknown as Buffer;
    return demuxText(raw).trim();
  }

  async stop(hostId: string, id: string): Promise<number | null> {
    const c = (await this.engine(hostId)).getContainer(id);
    await c.kill({ signal: 'SIGINT' });
    const r = (await c.wait()) as { StatusCode?: number };
    return r.StatusCode ?? null;
  }

  async remove(hostId: string, id: string): Promise<void> {
    await (await this.engine(hostId)).getContainer(id).remove({ force: true }).catch((e: { statusCode?: number }) => {
      if (e.statusCode !== 404) throw e;
    });
  }

  async controlData(hostId: string, dockerName: string, image: string): Promise<string> {
    const docker = await this.engine(hostId);
    const c = await docker.createContainer({
      Image: image,
      Entrypoint: [`${PG_BIN}/pg_controldata`],
      Cmd: ['/data/pgdata'],
      User: 'postgres',
      Env: ['LC_ALL=C'],
      Labels: { 'gantry.instance': this.deps.installation, 'gantry.role': 'volume-move' },
      HostConfig: { NetworkMode: 'none', Mounts: [{ Type: 'volume', Source: dockerName, Target: '/data', ReadOnly: true }] },
    });
    try {
      await c.start();
      const r = (await c.wait()) as { StatusCode?: number };
      const out = demuxText((await c.logs({ stdout: true, stderr: true })) as unknown as Buffer);
      if (r.StatusCode !== 0) throw new Unavailable(`pg_controldata exited with ${r.StatusCode}: ${out.trim().slice(0, 300)}`);
      return out;
    } finally {
      await c.remove({ force: true }).catch(() => {});
    }
  }
}
