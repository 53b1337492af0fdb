/**
 * One way to wire add-ons into a process (the API, the scheduler's backup timer): their servers
 * through Docker, scratch servers on the local engine, their images as `npm run up` recorded them in Redis, the backup store.
 */
import { Unavailable, type AddonKind } from '@gantry/core';
import type { Db } from '@gantry/db';
import { AllocationStore, type HostRegistry, type Keys } from '@gantry/live';
import type { Redis } from 'ioredis';
import type { AddonPlatform } from '../context';
import { connectDocker } from '@gantry/docker';
import { DockerScratchServers } from './scratch';
import { DockerAddonServers } from './servers';
import { DockerVolumeCopier } from '../volume-move/copier';
import { DockerPgStandbys } from '../volume-move/pg-standby';

export interface AddonPlatformInput {
  db: Db;
  redis: Redis;
  keys: Keys;
  hosts: HostRegistry;
  secret: string;
  hostGraceMs: number;
  backupDir: string;
  readyTimeoutMs: number;
  installation: string;
  /** The control plane's own engine (DOCKER_HOST): scratch servers that check backups run there. */
  dockerHost: string;
}

export function addonPlatform(i: AddonPlatformInput): AddonPlatform {
  return {
    servers: new DockerAddonServers({ db: i.db, allocs: new AllocationStore(i.redis, i.keys), hosts: i.hosts, secret: i.secret, graceMs: i.hostGraceMs }),
    scratch: new DockerScratchServers({ docker: connectDocker(i.dockerHost), installation: i.installation }),
    copier: new DockerVolumeCopier({ db: i.db, secret: i.secret, installation: i.installation }),
    standbys: new DockerPgStandbys({ db: i.db, secret: i.secret, installation: i.installation }),
    async imageRef(kind: AddonKind) {
      const ref = await i.redis.hget(i.keys.addonImages, kind);
      if (!ref) throw new Unavailable(`The ${kind} server image is not built yet: run npm run up (it builds the add-on images).`);
      return ref;
    },
    backupDir: i.backupDir,
    readyTimeoutMs: i.readyTimeoutMs,
    installation: i.installation,
  };
}
