/**
 * Every name, address and path of a lab, computed from (prefix, count, subnet) alone. Pure: the
 * cleanup of a crashed run recomputes the same names, so nothing needs to be remembered on disk.
 *
 *   lab "t1", subnet 10.97.0.0/24, 2 hosts
 *     bridge netns  glab.t1        holds br0 (bridge) and up0 (peer of the root veth)
 *     root veth     gl-t1          10.97.0.1/24 in the root namespace
 *     host t1-a     netns glab.t1.a, eth0 10.97.0.2/24 (port p-a on br0), docker0 10.97.1.1/24
 *     host t1-b     netns glab.t1.b, eth0 10.97.0.3/24 (port p-b on br0), docker0 10.97.2.1/24
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { labTlsFiles } from './tls';

export const LIB_ROOT = '/var/lib/gantry-lab';
export const RUN_ROOT = '/run/gantry-lab';
export const NETNS_DIR = '/run/netns';
/** Plain HTTP Docker API (a lab without TLS; such hosts are added with insecure: true). */
export const DOCKER_PORT = 2375;
/** Docker API over mutual TLS (a lab started with tls: true). */
export const DOCKER_TLS_PORT = 2376;
export const MAX_HOSTS = 100;
/** Linux IFNAMSIZ - 1. */
export const IFNAME_MAX = 15;
/** sun_path is 108 bytes; containerd puts "containerd/containerd.sock.ttrpc" under the exec root. */
const SOCKET_PATH_MAX = 107;

export interface HostPlan {
  index: number;
  /** Short id inside the lab: a, b, ... z, aa, ab ... */
  suffix: string;
  /** `${prefix}-${suffix}`: hostname of the daemon (docker info Name). */
  name: string;
  netns: string;
  address: string;
  dockerUrl: string;
  /** The port of dockerUrl: DOCKER_PORT, or DOCKER_TLS_PORT with TLS. */
  dockerPort: number;
  /** With TLS: the lab CA and this host's server certificate and key (dockerd --tlsverify). */
  tls: { caFile: string; certFile: string; keyFile: string } | null;
  /** Fixed MAC of the host's eth0: a restarted host keeps it, so neighbour caches stay valid. */
  mac: string;
  /** docker0 of this host (--bip). */
  bip: string;
  /** Port of this host on the lab bridge (inside the bridge namespace, so no prefix needed). */
  bridgePort: string;
  /** Persistent: data root, config, key, log ("the disk"). */
  libDir: string;
  dataRoot: string;
  configFile: string;
  keyFile: string;
  logFile: string;
  /** Volatile: exec root, pidfile, socket ("/run", wiped when the host dies). */
  runDir: string;
  execRoot: string;
  pidFile: string;
  socket: string;
  cgroupParent: string;
}

export interface LabPlan {
  prefix: string;
  subnet: number;
  /** 10.<subnet>.0.0/24 */
  cidr: string;
  /** The root namespace's address on the lab network, and every host's default gateway. */
  gateway: string;
  libDir: string;
  runDir: string;
  /** Namespace holding the bridge. */
  bridgeNetns: string;
  bridge: string;
  /** Root-namespace end of the veth into the bridge namespace (the only interface outside lab namespaces). */
  rootVeth: string;
  /** Its peer, a port of the bridge. */
  rootPeer: string;
  /** Pool for user-defined networks inside every host (identical across hosts: each has its own namespace). */
  addressPool: { base: string; size: number };
  /** Where the lab's CA and certificates live when it runs with TLS (tls.ts), else null. */
  tlsDir: string | null;
  hosts: HostPlan[];
}

const PREFIX_RE = /^[a-z][a-z0-9-]{0,18}[a-z0-9]$|^[a-z]$/;

export function validatePrefix(prefix: string): void {
  if (!PREFIX_RE.test(prefix) || prefix.includes('--')) {
    throw new Error(`Invalid lab prefix "${prefix}": 1 to 20 of [a-z0-9-], starting with a letter, not ending with "-"`);
  }
}

/** a, b, ..., z, aa, ab, ... (bijective base 26). */
export function hostSuffix(index: number): string {
  let n = index + 1;
  let s = '';
  while (n > 0) {
    const r = (n - 1) % 26;
    s = String.fromCharCode(97 + r) + s;
    n = Math.floor((n - 1) / 26);
  }
  return s;
}

/** Default second octet for a prefix: stable, in [32, 223]. */
export function defaultSubnet(prefix: string): number {
  const h = createHash('sha256').update(prefix).digest();
  return 32 + (h.readUInt16BE(0) % 192);
}

export function rootVethName(prefix: string): string {
  const plain = `gl-${prefix}`;
  if (plain.length <= IFNAME_MAX) return plain;
  return `gh-${createHash('sha256').update(prefix).digest('hex').slice(0, IFNAME_MAX - 3)}`;
}

export function bridgeNetnsName(prefix: string): string {
  return `glab.${prefix}`;
}

export function hostNetnsName(prefix: string, suffix: string): string {
  return `glab.${prefix}.${suffix}`;
}

/** True for the namespaces of this prefix (host ones of any count, and the bridge one), never another prefix's. */
export function isLabNetns(prefix: string, name: string): boolean {
  return name === bridgeNetnsName(prefix) || (name.startsWith(`${bridgeNetnsName(prefix)}.`) && /^[a-z]+$/.test(name.slice(bridgeNetnsName(prefix).length + 1)));
}

/**
 * firstHost: the last octet of the first host's address (10.<subnet>.0.<firstHost>), default 2.
 * startLab picks it at random: a swarm keeps a dead node's gossip identity at its address for a
 * long while, and a new engine at that address is then refused by its peers ("Got ping for
 * unexpected node", "is unknown to memberlist"), so overlay traffic to it never arrives.
 */
export function labPlan(opts: { prefix: string; count: number; subnet?: number; tls?: boolean; firstHost?: number }): LabPlan {
  const { prefix, count } = opts;
  const firstHost = opts.firstHost ?? 2;
  validatePrefix(prefix);
  if (!Number.isInteger(count) || count < 1 || count > MAX_HOSTS) throw new Error(`Lab host count must be 1..${MAX_HOSTS}, got ${count}`);
  const subnet = opts.subnet ?? defaultSubnet(prefix);
  if (!Number.isInteger(subnet) || subnet < 1 || subnet > 254) throw new Error(`Lab subnet must be 1..254 (10.<subnet>.0.0/24), got ${subnet}`);
  if (!Number.isInteger(firstHost) || firstHost < 2 || firstHost + count - 1 > 250) throw new Error(`Lab hosts' first address octet must be 2..${251 - count}, got ${firstHost}`);
  const net = `10.${subnet}`;
  const libDir = join(LIB_ROOT, prefix);
  const runDir = join(RUN_ROOT, prefix);
  const tlsFiles = opts.tls ? labTlsFiles(libDir) : null;
  const dockerPort = opts.tls ? DOCKER_TLS_PORT : DOCKER_PORT;
  const hosts: HostPlan[] = [];
  for (let index = 0; index < count; index++) {
    const suffix = hostSuffix(index);
    const address = `${net}.0.${firstHost + index}`;
    const hostLib = join(libDir, suffix);
    const hostRun = join(runDir, suffix);
    hosts.push({
      index,
      suffix,
      name: `${prefix}-${suffix}`,
      netns: hostNetnsName(prefix, suffix),
      address,
      dockerUrl: `tcp://${address}:${dockerPort}`,
      dockerPort,
      tls: tlsFiles && { caFile: tlsFiles.caFile, certFile: tlsFiles.serverCertFile({ suffix }), keyFile: tlsFiles.serverKeyFile({ suffix }) },
      mac: hostMac(subnet, index),
      // docker0 of host i: 10.<subnet>.<i+1>.1/24; user networks come from 10.<subnet>.128.0/17.
      bip: `${net}.${index + 1}.1/24`,
      bridgePort: `p-${suffix}`,
      libDir: hostLib,
      dataRoot: join(hostLib, 'data'),
      configFile: join(hostLib, 'daemon.json'),
      keyFile: join(hostLib, 'key.json'),
      logFile: join(hostLib, 'dockerd.log'),
      runDir: hostRun,
      execRoot: join(hostRun, 'exec'),
      pidFile: join(hostRun, 'dockerd.pid'),
      socket: join(hostRun, 'docker.sock'),
      cgroupParent: `/gantry-lab/${prefix}/${suffix}`,
    });
  }
  const longest = join(hosts[hosts.length - 1]!.execRoot, 'containerd', 'containerd.sock.ttrpc');
  if (longest.length > SOCKET_PATH_MAX) throw new Error(`Lab prefix too long: socket path ${longest} exceeds ${SOCKET_PATH_MAX} bytes`);
  return {
    prefix,
    subnet,
    cidr: `${net}.0.0/24`,
    gateway: `${net}.0.1`,
    libDir,
    runDir,
    bridgeNetns: bridgeNetnsName(prefix),
    bridge: 'br0',
    rootVeth: rootVethName(prefix),
    rootPeer: 'up0',
    addressPool: { base: `${net}.128.0/17`, size: 24 },
    tlsDir: tlsFiles?.dir ?? null,
    hosts,
  };
}

/** Locally administered unicast MAC 02:67:6c:<subnet>:<i hi>:<i lo> ("gl"). */
export function hostMac(subnet: number, index: number): string {
  const bytes = [0x02, 0x67, 0x6c, subnet, (index >> 8) & 0xff, index & 0xff];
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}

export function findHost(plan: LabPlan, name: string): HostPlan {
  const host = plan.hosts.find((h) => h.name === name);
  if (!host) throw new Error(`No host "${name}" in lab ${plan.prefix} (hosts: ${plan.hosts.map((h) => h.name).join(', ')})`);
  return host;
}
