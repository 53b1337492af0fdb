/**
 * An agent's own way into the private network, for a host the control plane cannot reach
 * (hosts:add --remote): when its engine is in no swarm, it joins the installation's swarm as a
 * worker (the manager's address and token are in Redis, written by `npm run up`). Hosts the
 * control plane reaches were joined by hosts:add already: nothing to do for them.
 */
import type { Docker } from '@gantry/docker';

export interface SwarmJoin {
  managerAddr: string;
  token: string;
}

/** What it did: joined, already a member (of the installation's swarm, as far as it can tell), or why not. */
export async function ensureSwarmMember(docker: Docker, join: SwarmJoin | null, advertiseAddress: string): Promise<'joined' | 'member' | 'no-join-info' | 'other-swarm'> {
  const info = ((await docker.info()) as { Swarm?: { LocalNodeState?: string; RemoteManagers?: { Addr: string }[] | null } }).Swarm ?? {};
  if (info.LocalNodeState === 'active') {
    if (!join || (info.RemoteManagers ?? []).some((m) => m.Addr === join.managerAddr)) return 'member';
    return 'other-swarm';
  }
  if (!join) return 'no-join-info';
  await docker.swarmJoin({ ListenAddr: '0.0.0.0:2377', AdvertiseAddr: advertiseAddress, DataPathAddr: advertiseAddress, RemoteAddrs: [join.managerAddr], JoinToken: join.token });
  return 'joined';
}
