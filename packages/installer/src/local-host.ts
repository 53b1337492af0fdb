/**
 * Registers this machine's Docker engine as a host (named GANTRY_LOCAL_HOST_NAME, "local" by
 * default), so the single host of a fresh install is the first host of its cluster. An existing
 * registration is kept as it is (labels, draining), only mirrored again for agents.
 */
import type { Config } from '@gantry/config';
import { parseSize } from '@gantry/config';
import { hostRecord, registerHost, type HostRecord } from '@gantry/control';
import type { Db } from '@gantry/db';
import { TEAM_SUBNET_BITS } from '@gantry/core';
import { probeEngine, swarmMembership } from '@gantry/docker';
import { HostRegistry, keysFor, publishEvent } from '@gantry/live';
import type { Redis } from 'ioredis';

export async function ensureLocalHost(config: Config, db: Db, redis: Redis) {
  const keys = keysFor(config.GANTRY_INSTANCE);
  const registry = new HostRegistry(redis, keys);
  // This machine's engine manages the swarm that carries the private network; agents of hosts
  // the control plane cannot reach (hosts:add --remote) join it themselves with this.
  const swarm = await networkMembership(config).manager();
  await redis.set(keys.swarmJoin, JSON.stringify({ managerAddr: swarm.managerAddr, token: swarm.workerToken }));
  const existing = await db.host.findUnique({ where: { name: config.GANTRY_LOCAL_HOST_NAME } });
  if (existing) {
    await registry.put(hostRecord(existing));
    return existing;
  }
  const memory = config.GANTRY_LOCAL_HOST_MEMORY ? parseSize(config.GANTRY_LOCAL_HOST_MEMORY) : undefined;
  const ctx = {
    db,
    queues: { add: async () => '' },
    imageRepoPrefix: `gantry-${config.GANTRY_INSTANCE}`,
    live: {
      wake: async () => {},
      hostChanged: async (h: HostRecord | { removed: string }) => {
        if (!('removed' in h)) await registry.put(h);
        await publishEvent(redis, keys, { kind: 'hosts', why: 'local host registered' });
      },
    },
  };
  return registerHost(
    ctx,
    {
      name: config.GANTRY_LOCAL_HOST_NAME,
      dockerUrl: config.DOCKER_HOST,
      address: config.GANTRY_HOST_ADDRESS,
      ...(config.GANTRY_LOCAL_HOST_CPUS ? { cpus: config.GANTRY_LOCAL_HOST_CPUS } : {}),
      ...(memory ? { memoryBytes: memory } : {}),
      // DOCKER_HOST is the operator's own setting for this machine, not an admin's hosts:add.
      insecure: true,
    },
    (url) => probeEngine(url),
  );
}

/** How hosts join and leave the private network: the swarm managed by this machine's engine. */
export function networkMembership(config: Config) {
  return swarmMembership({ managerUrl: config.DOCKER_HOST, advertiseAddress: config.GANTRY_NETWORK_ADDRESS, pool: config.GANTRY_NETWORK_POOL, subnetSize: TEAM_SUBNET_BITS, installation: config.GANTRY_INSTANCE });
}
