/**
 * The lab's network: a bridge in its own namespace (a bridge in the root namespace would be
 * subject to the root FORWARD policy, DROP once Docker runs), one namespace per host plugged into
 * it by a veth, and one veth from the root namespace so the control plane reaches every host.
 * The argv builders are pure; the rest runs `ip` (iproute2).
 */
import { readdir } from 'node:fs/promises';
import { run, tryRun, type Argv } from './exec';
import { NETNS_DIR, isLabNetns, type HostPlan, type LabPlan } from './plan';

const prefixLen = (cidr: string) => Number(cidr.split('/')[1]);

/** Bridge namespace with its bridge, and the root veth plugged into it with the gateway address. */
export function bridgeCommands(plan: LabPlan): Argv[] {
  const ns = plan.bridgeNetns;
  return [
    ['ip', 'netns', 'add', ns],
    ['ip', '-n', ns, 'link', 'set', 'lo', 'up'],
    ['ip', '-n', ns, 'link', 'add', plan.bridge, 'type', 'bridge'],
    ['ip', '-n', ns, 'link', 'set', plan.bridge, 'up'],
    ['ip', 'link', 'add', plan.rootVeth, 'type', 'veth', 'peer', 'name', plan.rootPeer, 'netns', ns],
    ['ip', '-n', ns, 'link', 'set', plan.rootPeer, 'master', plan.bridge, 'up'],
    ['ip', 'addr', 'add', `${plan.gateway}/${prefixLen(plan.cidr)}`, 'dev', plan.rootVeth],
    ['ip', 'link', 'set', plan.rootVeth, 'up'],
  ];
}

/** Host namespace, its eth0 (fixed MAC) as the peer of a bridge port, address and default route. */
export function hostNetworkCommands(plan: LabPlan, host: HostPlan): Argv[] {
  const br = plan.bridgeNetns;
  const ns = host.netns;
  return [
    ['ip', 'netns', 'add', ns],
    ['ip', '-n', br, 'link', 'add', host.bridgePort, 'type', 'veth', 'peer', 'name', 'eth0', 'address', host.mac, 'netns', ns],
    ['ip', '-n', br, 'link', 'set', host.bridgePort, 'master', plan.bridge, 'up'],
    ['ip', '-n', ns, 'link', 'set', 'lo', 'up'],
    ['ip', '-n', ns, 'addr', 'add', `${host.address}/${prefixLen(plan.cidr)}`, 'dev', 'eth0'],
    ['ip', '-n', ns, 'link', 'set', 'eth0', 'up'],
    ['ip', '-n', ns, 'route', 'add', 'default', 'via', plan.gateway],
  ];
}

async function runAll(cmds: Argv[]): Promise<void> {
  for (const cmd of cmds) await run(cmd);
}

export async function createBridge(plan: LabPlan): Promise<void> {
  await runAll(bridgeCommands(plan));
  // The machine speaks to the lab from its own network address, as a real host would: the
  // overlay's VXLAN packets of this machine's engine (advertised at that address) are dropped by
  // the hosts' VXLAN devices when they come from another source (static FDB entries don't move).
  const src = await defaultSource();
  if (src) await run(['ip', 'route', 'replace', plan.cidr, 'dev', plan.rootVeth, 'src', src]);
}

/** The source address of the root namespace's default route, if it has one. */
async function defaultSource(): Promise<string | null> {
  try {
    const { stdout } = await run(['ip', '-4', 'route', 'get', '1.1.1.1']);
    return / src (\d+\.\d+\.\d+\.\d+)/.exec(stdout)?.[1] ?? null;
  } catch {
    return null;
  }
}

export async function createHostNetwork(plan: LabPlan, host: HostPlan): Promise<void> {
  await runAll(hostNetworkCommands(plan, host));
}

/**
 * Unplugs a host: deleting its bridge port deletes the veth pair (and so the host's eth0) at once;
 * a namespace's own teardown is asynchronous, and the port name is reused when the host comes back.
 */
export async function unplugHost(plan: LabPlan, host: HostPlan): Promise<void> {
  await tryRun(['ip', '-n', plan.bridgeNetns, 'link', 'del', host.bridgePort]);
}

export async function removeHostNetwork(plan: LabPlan, host: HostPlan): Promise<void> {
  await unplugHost(plan, host);
  await tryRun(['ip', 'netns', 'del', host.netns]);
}

export async function listNetns(): Promise<string[]> {
  try {
    return await readdir(NETNS_DIR);
  } catch {
    return [];
  }
}

/** Namespaces of this prefix that exist now (hosts of any earlier count, and the bridge one). */
export async function labNetns(prefix: string): Promise<string[]> {
  return (await listNetns()).filter((n) => isLabNetns(prefix, n));
}

/** Deletes the root veth and every namespace of the prefix. Missing pieces are fine. */
export async function removeNetwork(plan: LabPlan): Promise<void> {
  await tryRun(['ip', 'link', 'del', plan.rootVeth]);
  for (const ns of await labNetns(plan.prefix)) await tryRun(['ip', 'netns', 'del', ns]);
}

export interface RouteEntry {
  dst: string;
  dev?: string;
}

function parseCidr(cidr: string): { base: number; bits: number } | null {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)(?:\/(\d+))?$/.exec(cidr);
  if (!m) return null;
  const octets = m.slice(1, 5).map(Number);
  const bits = m[5] === undefined ? 32 : Number(m[5]);
  const ip = octets.reduce((acc, o) => acc * 256 + o, 0);
  const size = 2 ** (32 - bits);
  return { base: ip - (ip % size), bits };
}

export function cidrsOverlap(a: string, b: string): boolean {
  const x = parseCidr(a);
  const y = parseCidr(b);
  if (!x || !y) return false;
  const bits = Math.min(x.bits, y.bits);
  const size = 2 ** (32 - bits);
  return Math.floor(x.base / size) === Math.floor(y.base / size);
}

/** Routes of the root namespace (from `ip -j route`) that overlap the lab network; the default route never does. */
export function conflictingRoutes(routes: RouteEntry[], cidr: string, ownDev: string): RouteEntry[] {
  return routes.filter((r) => r.dst !== 'default' && r.dev !== ownDev && cidrsOverlap(r.dst, cidr));
}

export async function assertSubnetFree(plan: LabPlan): Promise<void> {
  const { stdout } = await run(['ip', '-j', '-4', 'route', 'show', 'table', 'all']);
  const routes = (JSON.parse(stdout || '[]') as RouteEntry[]).filter((r) => typeof r.dst === 'string');
  const clash = conflictingRoutes(routes, plan.cidr, plan.rootVeth);
  if (clash.length) {
    throw new Error(
      `Lab ${plan.prefix}: ${plan.cidr} overlaps existing route(s) ${clash.map((r) => `${r.dst}${r.dev ? ` dev ${r.dev}` : ''}`).join(', ')}; pass another subnet`,
    );
  }
}
