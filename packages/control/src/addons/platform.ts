/**
 * One way to wire add-ons into a process (the API, the scheduler's backup timer): their servers
 * through Docker, scratch servers on the local engine, their images as `npm run up` recorded them in Redis, the backup store.
 */
import type { Config } from '@gantry/config';
import { Unavailable, type AddonKind } from '@gantry/core';
import type { Db } from '@gantry/db';
import { AddonHaStore, AllocationStore, type HostRegistry, type Keys } from '@gantry/live';
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
}

/** The settings add-ons use, as the one validated config holds them. */
export type AddonSettings = Pick<Config, 'GANTRY_SECRET' | 'GANTRY_HOST_GRACE' | 'GANTRY_ADDON_READY_TIMEOUT' | 'GANTRY_INSTANCE' | 'DOCKER_HOST'> & { paths: Pick<Config['paths'], 'backups'> };

export function addonPlatform(i: AddonPlatformInput, config: AddonSettings): AddonPlatform {
  const ha = new AddonHaStore(i.redis, i.keys);
  return {
    servers: new DockerAddonServers({ db: i.db, allocs: new AllocationStore(i.redis, i.keys), hosts: i.hosts, ha, secret: config.GANTRY_SECRET, graceMs: config.GANTRY_HOST_GRACE }),
    ha,
    scratch: new DockerScratchServers({ docker: connectDocker(config.DOCKER_HOST), installation: config.GANTRY_INSTANCE }),
    copier: new DockerVolumeCopier({ db: i.db, secret: config.GANTRY_SECRET, installation: config.GANTRY_INSTANCE }),
    standbys: new DockerPgStandbys({ db: i.db, secret: config.GANTRY_SECRET, installation: config.GANTRY_INSTANCE }),
    async imageRef(kind: AddonKind) {
      const ref = await i.redis.hget(i.keys.addonImages, kind);
      if (!ref) throw new Unavailable(`The ${kind} server image is not built yet: run npm run up (it builds the add-on images).`);
      return ref;
    },
    backupDir: config.paths.backups,
    readyTimeoutMs: config.GANTRY_ADDON_READY_TIMEOUT,
    installation: config.GANTRY_INSTANCE,
  };
}
