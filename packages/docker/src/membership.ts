/**
 * A host's membership of the private network: joining the swarm when it is added, leaving when it
 * is removed. The control plane's engine is the manager (made one on first use).
 */
import { execFileSync } from 'node:child_process';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { connectDocker, type Docker, type EngineTls } from './connect';
import { ensureManager, joinSwarm, leaveSwarm, removeNodes, type SwarmManager } from './swarm';

export interface MemberHost {
  name: string;
  dockerUrl: string;
  tls?: EngineTls | undefined;
  /** The address other hosts reach it at (hosts:add --address). */
  address: string;
}

export interface NetworkMembership {
  /** Joins the host's engine to the swarm (the manager's own engine: makes sure it manages one). */
  join(host: MemberHost): Promise<void>;
  /** Takes the host out (its engine leaves when reachable; the manager forgets it). */
  leave(host: MemberHost, reachable: boolean): Promise<void>;
  /** The manager, made when missing: how workers join. */
  manager(): Promise<SwarmManager>;
}

/** The source address of this machine's default route (what other machines reach it at), else its first non-loopback IPv4. */
export function detectNetworkAddress(): string {
  try {
    const out = execFileSync('ip', ['-4', 'route', 'get', '1.1.1.1'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const m = / src (\d+\.\d+\.\d+\.\d+)/.exec(out);
    if (m) return m[1]!;
  } catch {
    /* no route to the internet: fall back */
  }
  for (const [name, addrs] of Object.entries(networkInterfaces())) {
    if (/^(lo|docker|br-|veth|gl-|gh-)/.test(name)) continue;
    const a = addrs?.find((x) => x.family === 'IPv4' && !x.internal);
    if (a) return a.address;
  }
  throw new Error('Cannot tell this machine\'s network address: set GANTRY_NETWORK_ADDRESS');
}

async function ipOf(address: string): Promise<string> {
  if (isIP(address) === 4) return address;
  return (await lookup(address, { family: 4 })).address;
}

function sameEngine(a: string, b: string): boolean {
  return a.replace(/\/+$/, '') === b.replace(/\/+$/, '');
}

/** What this installation leaves on a host's engine for the network: its netd and its apps bridge (a removed host keeps neither). */
async function removeNetworkObjects(engine: Docker, installation: string): Promise<void> {
  const label = [`gantry.instance=${installation}`, 'gantry.role=netd'];
  for (const c of await engine.listContainers({ all: true, filters: { label } })) await engine.getContainer(c.Id).remove({ force: true }).catch(() => {});
  for (const n of await engine.listNetworks({ filters: { label: [`gantry.instance=${installation}`, 'gantry.network=apps'] } })) await engine.getNetwork(n.Id).remove().catch(() => {});
}

export function swarmMembership(o: { managerUrl: string; advertiseAddress?: string | undefined; pool: string; subnetSize: number; installation: string }): NetworkMembership {
  const manager: Docker = connectDocker(o.managerUrl);
  let made: Promise<SwarmManager> | null = null;
  const ensure = (): Promise<SwarmManager> => {
    made ??= ensureManager(manager, { advertiseAddress: o.advertiseAddress ?? detectNetworkAddress(), pool: o.pool, subnetSize: o.subnetSize }).catch((err) => {
      made = null;
      throw err;
    });
    return made;
  };
  return {
    manager: ensure,
    async join(host) {
      const swarm = await ensure();
      if (sameEngine(host.dockerUrl, o.managerUrl)) return;
      const engine = connectDocker(host.dockerUrl, host.tls);
      const advertise = await ipOf(host.address);
      // A host that was cut and comes back joins as a new node: its old entry at that address goes.
      await removeNodes(manager, (n) => n.addr === advertise && n.state === 'down').catch(() => 0);
      await joinSwarm(manager, swarm, engine, advertise);
    },
    async leave(host, reachable) {
      if (sameEngine(host.dockerUrl, o.managerUrl)) return;
      const swarm = await ensure();
      const advertise = await ipOf(host.address).catch(() => host.address);
      // A cut host's engine never answers: bounded, then the manager forgets the node anyway.
      if (reachable) {
        const engine = connectDocker(host.dockerUrl, host.tls);
        await withTimeout(removeNetworkObjects(engine, o.installation), 5000).catch(() => {});
        await withTimeout(leaveSwarm(manager, swarm, engine), 5000).catch(() => {});
      }
      await removeNodes(manager, (n) => n.addr === advertise).catch(() => 0);
    },
  };
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)))]).finally(() => clearTimeout(timer));
}
