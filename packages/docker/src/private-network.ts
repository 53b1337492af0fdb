/**
 * The two networks of every app container, as Docker objects:
 *   - its team's overlay network (swarm-scoped, attachable, internal): made on the swarm manager
 *     with a subnet Gantry picks, so that instances get static addresses known before they start;
 *   - the host's apps bridge (inter-container traffic off): published ports and egress, and the
 *     gateway address where the host's netd answers DNS.
 */
import { appsBridgeName, dynamicRange, freeSubnets, netdContainerName, teamNetworkName, TEAM_SUBNET_BITS } from '@gantry/core';
import type { Docker } from './connect';

export interface TeamNetwork {
  name: string;
  id: string;
  subnet: string;
}

export interface AppsBridge {
  name: string;
  id: string;
  gateway: string;
  subnet: string;
}

interface NetworkInspect {
  Id: string;
  Name: string;
  Labels?: Record<string, string> | null;
  IPAM?: { Config?: { Subnet?: string; Gateway?: string }[] | null };
}

function firstSubnet(n: NetworkInspect): { subnet: string; gateway: string } | null {
  const c = n.IPAM?.Config?.find((x) => x.Subnet && !x.Subnet.includes(':'));
  return c?.Subnet ? { subnet: c.Subnet, gateway: c.Gateway ?? '' } : null;
}

async function inspectNetwork(docker: Docker, name: string): Promise<NetworkInspect | null> {
  try {
    return (await docker.getNetwork(name).inspect()) as NetworkInspect;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return null;
    throw err;
  }
}

/**
 * The team's overlay network, made on the manager when missing, in the first /20 of the pool that
 * no network of the manager overlaps. Two makers racing: Docker refuses the second (same name or
 * overlapping pool) and it takes the winner's network or the next subnet.
 */
export async function ensureTeamNetwork(manager: Docker, o: { installation: string; teamId: string; pool: string }): Promise<TeamNetwork> {
  const name = teamNetworkName(o.installation, o.teamId);
  for (let attempt = 0; attempt < 5; attempt++) {
    const found = await inspectNetwork(manager, name);
    const sub = found && firstSubnet(found);
    if (found && sub) return { name, id: found.Id, subnet: sub.subnet };
    const all = (await manager.listNetworks()) as NetworkInspect[];
    const used = all.flatMap((n) => (n.IPAM?.Config ?? []).map((c) => c.Subnet).filter((s): s is string => !!s && !s.includes(':')));
    const subnet = freeSubnets(o.pool, used, TEAM_SUBNET_BITS)[0];
    if (!subnet) throw new Error(`No free /${TEAM_SUBNET_BITS} left in the private network pool ${o.pool}`);
    try {
      await manager.createNetwork({
        Name: name,
        CheckDuplicate: true,
        Driver: 'overlay',
        Attachable: true,
        Internal: true,
        IPAM: { Driver: 'default', Config: [{ Subnet: subnet, IPRange: dynamicRange(subnet) }] },
        Labels: { 'gantry.instance': o.installation, 'gantry.team': o.teamId, 'gantry.network': 'team' },
      });
    } catch (err) {
      const code = (err as { statusCode?: number }).statusCode;
      if (code !== 409 && !/overlap|already exists/i.test((err as Error).message)) throw err;
    }
  }
  throw new Error(`Could not make the private network ${name}`);
}

/** The host's apps bridge, made when missing (Docker picks its subnet from the engine's pools). */
export async function ensureAppsBridge(docker: Docker, installation: string): Promise<AppsBridge> {
  const name = appsBridgeName(installation);
  for (let attempt = 0; attempt < 3; attempt++) {
    const found = await inspectNetwork(docker, name);
    const sub = found && firstSubnet(found);
    if (found && sub?.gateway) return { name, id: found.Id, gateway: sub.gateway, subnet: sub.subnet };
    if (!found) {
      try {
        await docker.createNetwork({
          Name: name,
          CheckDuplicate: true,
          Driver: 'bridge',
          Options: { 'com.docker.network.bridge.enable_icc': 'false' },
          Labels: { 'gantry.instance': installation, 'gantry.network': 'apps' },
        });
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode !== 409) throw err;
      }
    }
  }
  throw new Error(`The apps network ${name} has no IPv4 gateway`);
}

/** Team networks as one process needs them: made once, then remembered (a failure is tried again next time). */
export class TeamNetworks {
  private readonly made = new Map<string, Promise<TeamNetwork>>();

  constructor(
    private readonly manager: Docker,
    private readonly o: { installation: string; pool: string },
  ) {}

  forTeam(teamId: string): Promise<TeamNetwork> {
    let p = this.made.get(teamId);
    if (!p) {
      p = ensureTeamNetwork(this.manager, { ...this.o, teamId });
      p.catch(() => this.made.delete(teamId));
      this.made.set(teamId, p);
    }
    return p;
  }
}

/** Where a new app container goes: the host's apps bridge, its netd as DNS (when running), and its team network at a reserved address. */
export interface Placement {
  bridge: AppsBridge;
  /** The netd address for HostConfig.Dns; null keeps Docker's default (the host's resolvers). */
  dns: string | null;
  team?: { name: string; ip: string } | undefined;
}

/**
 * Creates a container on its networks, not started: on the apps bridge (its only network at
 * creation: API 1.41 takes one), then connected to its team network at its static address. A
 * failed connect removes the container again.
 */
export async function createOnNetworks(docker: Docker, options: Record<string, unknown> & { HostConfig?: Record<string, unknown> }, where: Placement) {
  const container = await docker.createContainer({
    ...options,
    HostConfig: { ...(options.HostConfig ?? {}), NetworkMode: where.bridge.name, ...(where.dns ? { Dns: [where.dns] } : {}) },
  });
  if (where.team) {
    try {
      await docker.getNetwork(where.team.name).connect({ Container: container.id, EndpointConfig: { IPAMConfig: { IPv4Address: where.team.ip } } });
    } catch (err) {
      await container.remove({ force: true }).catch(() => {});
      throw err;
    }
  }
  return container;
}

/** Whether the host's netd container runs (then new containers may use it for DNS). */
export async function netdRunning(docker: Docker, installation: string): Promise<boolean> {
  try {
    return ((await docker.getContainer(netdContainerName(installation)).inspect()) as { State?: { Running?: boolean } }).State?.Running === true;
  } catch {
    return false;
  }
}
