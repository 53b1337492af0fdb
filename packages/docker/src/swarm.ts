/**
 * Docker swarm membership, only as the carrier of overlay networks: the control plane's engine is
 * the one manager, every other host joins as a worker when it is added and leaves when it is
 * removed. Gantry never creates swarm services (no routing mesh, no service VIPs): its own
 * scheduler places containers, which attach to attachable overlay networks.
 *
 *   manager (control plane engine) ── swarm init --advertise-addr A --default-addr-pool POOL/20
 *   host B ── swarm join (token, A:2377) --advertise-addr B      (hosts:add)
 *   host B ── swarm leave --force; manager: node rm B             (hosts:remove)
 */
import type { Docker } from './connect';

export const SWARM_PORT = 2377;

export interface SwarmManager {
  /** The swarm's id (every member reports it in `docker info` as Swarm.Cluster.ID or via its managers). */
  clusterId: string;
  /** "address:2377" workers join. */
  managerAddr: string;
  workerToken: string;
  nodeId: string;
}

interface SwarmInfo {
  LocalNodeState?: string;
  NodeID?: string;
  ControlAvailable?: boolean;
  Cluster?: { ID?: string };
  RemoteManagers?: { NodeID: string; Addr: string }[] | null;
}

async function swarmInfo(docker: Docker): Promise<SwarmInfo> {
  const info = (await docker.info()) as { Swarm?: SwarmInfo };
  return info.Swarm ?? {};
}

/**
 * Makes the engine a swarm manager (init when it is in no swarm) and returns how workers join.
 * An engine that is a worker of some other swarm is refused: Gantry does not take over a swarm it
 * did not make.
 */
export async function ensureManager(manager: Docker, opts: { advertiseAddress: string; pool: string; subnetSize: number }): Promise<SwarmManager> {
  let info = await swarmInfo(manager);
  if (info.LocalNodeState === 'inactive' || !info.LocalNodeState) {
    await manager.swarmInit({
      ListenAddr: `0.0.0.0:${SWARM_PORT}`,
      AdvertiseAddr: `${opts.advertiseAddress}:${SWARM_PORT}`,
      DefaultAddrPool: [opts.pool],
      SubnetSize: opts.subnetSize,
      Spec: { Orchestration: { TaskHistoryRetentionLimit: 1 } },
    });
    info = await swarmInfo(manager);
  }
  if (info.LocalNodeState !== 'active' || !info.ControlAvailable) {
    throw new Error(`The control plane's Docker engine is ${info.LocalNodeState === 'active' ? 'a worker of another swarm' : `in swarm state "${info.LocalNodeState}"`}: it must be a swarm manager for the private network (docker swarm leave, then try again).`);
  }
  const swarm = (await manager.swarmInspect()) as { ID: string; JoinTokens: { Worker: string } };
  const self = info.RemoteManagers?.find((m) => m.NodeID === info.NodeID);
  return {
    clusterId: swarm.ID,
    managerAddr: self?.Addr ?? `${opts.advertiseAddress}:${SWARM_PORT}`,
    workerToken: swarm.JoinTokens.Worker,
    nodeId: info.NodeID!,
  };
}

/**
 * Joins an engine to the manager's swarm as a worker, advertising `advertiseAddress` (the address
 * other hosts reach it at: VXLAN traffic goes there). Already a member: nothing to do. A member of
 * another swarm: refused with the reason. Returns the engine's node id.
 */
export async function joinSwarm(manager: Docker, swarm: SwarmManager, engine: Docker, advertiseAddress: string): Promise<string> {
  const info = await swarmInfo(engine);
  if (info.LocalNodeState === 'active') {
    if (info.NodeID === swarm.nodeId) return info.NodeID; // the manager itself
    if (await isMember(manager, info.NodeID!)) return info.NodeID!;
    throw new Error(`its Docker engine is in another swarm (node ${info.NodeID}); run "docker swarm leave" there first`);
  }
  if (info.LocalNodeState === 'pending' || info.LocalNodeState === 'error' || info.LocalNodeState === 'locked') {
    await engine.swarmLeave({ force: true }).catch(() => {});
  }
  await engine.swarmJoin({
    ListenAddr: `0.0.0.0:${SWARM_PORT}`,
    AdvertiseAddr: advertiseAddress,
    DataPathAddr: advertiseAddress,
    RemoteAddrs: [swarm.managerAddr],
    JoinToken: swarm.workerToken,
  });
  const joined = await swarmInfo(engine);
  if (joined.LocalNodeState !== 'active' || !joined.NodeID) throw new Error(`joining the swarm left its engine in state "${joined.LocalNodeState}"`);
  return joined.NodeID;
}

async function isMember(manager: Docker, nodeId: string): Promise<boolean> {
  try {
    await manager.getNode(nodeId).inspect();
    return true;
  } catch {
    return false;
  }
}

/**
 * Takes a host out of the swarm: its engine leaves (when reachable: `engine` null for an engine
 * the control plane cannot reach) and the manager forgets the node. Never touches the manager.
 */
export async function leaveSwarm(manager: Docker, swarm: Pick<SwarmManager, 'nodeId'>, engine: Docker | null): Promise<void> {
  let nodeId: string | undefined;
  if (engine) {
    const info = await swarmInfo(engine).catch(() => ({}) as SwarmInfo);
    if (info.NodeID === swarm.nodeId) return;
    nodeId = info.NodeID || undefined;
    if (info.LocalNodeState === 'active') await engine.swarmLeave({ force: true }).catch(() => {});
  }
  if (nodeId) await manager.getNode(nodeId).remove({ force: true }).catch(() => {});
}

/** Removes worker nodes the manager lists that `drop` picks (by id, hostname, address and state). Returns how many. */
export async function removeNodes(manager: Docker, drop: (node: { id: string; hostname: string; addr: string; state: string }) => boolean): Promise<number> {
  const nodes = (await manager.listNodes()) as { ID: string; Description?: { Hostname?: string }; Status?: { State?: string; Addr?: string }; Spec?: { Role?: string } }[];
  let removed = 0;
  for (const n of nodes) {
    if (n.Spec?.Role === 'manager') continue;
    if (!drop({ id: n.ID, hostname: n.Description?.Hostname ?? '', addr: n.Status?.Addr ?? '', state: n.Status?.State ?? '' })) continue;
    await manager.getNode(n.ID).remove({ force: true }).catch(() => {});
    removed++;
  }
  return removed;
}
