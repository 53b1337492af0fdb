/**
 * A lab of several real Docker hosts on this one machine: one dockerd per network namespace,
 * connected by a bridge in a namespace of its own and reachable from the root namespace through
 * one veth. For Gantry's multi-host tests and benchmarks. See README.md next to this file.
 */
import { randomInt } from 'node:crypto';
import { existsSync } from 'node:fs';
import { connectDocker, removeNodes } from '@gantry/docker';
import { removeCgroups, removeDir, removeIfEmpty, unmountUnder } from './cleanup';
import { DOCKERD, startDaemon, stopDaemon, waitDaemon } from './daemon';
import { copyImage as copyImageInto } from './images';
import { assertSubnetFree, createBridge, createHostNetwork, labNetns, removeHostNetwork, removeNetwork, unplugHost } from './network';
import { LIB_ROOT, NETNS_DIR, RUN_ROOT, findHost, labPlan, type HostPlan, type LabPlan } from './plan';
import { killProcesses } from './processes';
import { makeLabTls, type LabClientTls } from './tls';

export { labPlan, type HostPlan, type LabPlan } from './plan';
export type { LabClientTls } from './tls';

export interface LabHost {
  /** Also the daemon's hostname (docker info Name), e.g. "lab-a". */
  name: string;
  /** IPv4 the root namespace reaches it at, e.g. 10.97.0.2 (routers and agents use it). */
  address: string;
  /** tcp://<address>:2375 (no TLS), or tcp://<address>:2376 in a lab with TLS. */
  dockerUrl: string;
  /** In a lab with TLS: the CA, client certificate and key that reach its engine (hosts:add's tls). */
  tls?: LabClientTls;
  /** Network namespace name (/run/netns/<netns>). */
  netns: string;
  /** The daemon's log (appended across restarts). */
  logFile: string;
}

export interface Lab {
  hosts: LabHost[];
  /** The root namespace's address on the lab network (10.<subnet>.0.1): hosts and their containers reach this machine's services there. */
  gateway: string;
  /**
   * Simulates the machine dying: unplugs it from the bridge, SIGKILLs every process in the host's
   * namespace (dockerd, containerd, shims, containers, docker-proxy), and drops what a power cut
   * loses (mounts, /run state, network namespace). Its address stops answering: no RST, connects
   * time out and established connections hang; EHOSTUNREACH only once the neighbour entry expires (~40 s).
   */
  killHost(name: string): Promise<void>;
  /**
   * Boots the host again: same address and MAC, same data root (its old containers come back as
   * Docker restores them, per their restart policy). Resolves when the daemon answers. On a live
   * host, kills it first.
   */
  restartHost(name: string): Promise<void>;
  /**
   * Restarts only the host's Docker daemon, as `systemctl restart docker` would: SIGTERM (Docker
   * stops its containers), wait for it to exit, start it again (containers come back per their
   * restart policy, with new published ports). Resolves when the daemon answers again, with the
   * time it did so (epoch ms).
   */
  restartDocker(name: string): Promise<number>;
  /** Copies an image from the machine's main dockerd into some (default all) lab hosts that lack it. */
  copyImage(ref: string, names?: string[]): Promise<void>;
  /** Removes everything: containers, daemons, namespaces, veths, bridges, data roots. Safe to call twice. */
  stop(): Promise<void>;
}

export interface LabOptions {
  /** Namespaces every name, directory and interface of the lab: [a-z][a-z0-9-], at most 20. */
  prefix: string;
  count: number;
  /** Second octet of the lab network 10.<subnet>.0.0/24; default derived from the prefix. */
  subnet?: number;
  /** Docker daemon images are copied from; default DOCKER_HOST or the main unix:///var/run/docker.sock. */
  source?: string;
  /** Last octet of the first host's address; default random (see labPlan). */
  firstHost?: number;
  /**
   * Engines listen with mutual TLS (--tlsverify) on 2376, with a CA and certificates made for the
   * lab (tls.ts); default plain HTTP on 2375.
   */
  tls?: boolean;
}

function assertEnvironment(): void {
  if (process.getuid?.() !== 0) throw new Error('The Docker lab needs root (network namespaces, dockerd)');
  if (!existsSync(DOCKERD)) throw new Error(`The Docker lab needs ${DOCKERD}`);
  // dockerd uses a system containerd at this socket instead of starting its own: every lab host
  // would then share it (and killHost would kill nothing of it).
  if (existsSync('/run/containerd/containerd.sock')) {
    throw new Error('A system containerd runs at /run/containerd/containerd.sock: lab dockerds would share it instead of starting their own');
  }
}

const hostMarkers = (h: HostPlan) => [`${h.libDir}/`, `${h.runDir}/`];

/**
 * Ends one host like a power cut: unplugged first (so dying processes' FIN/RST never leave it:
 * peers' connections hang as with a dead machine), then processes, mounts, namespace, /run state.
 * The data root stays.
 */
async function killHostNow(plan: LabPlan, host: HostPlan): Promise<void> {
  await unplugHost(plan, host);
  await killProcesses([`${NETNS_DIR}/${host.netns}`], hostMarkers(host));
  await unmountUnder([host.libDir, host.runDir]);
  await removeHostNetwork(plan, host);
  await removeCgroups(`gantry-lab/${plan.prefix}/${host.suffix}`);
  await removeDir(host.runDir);
}

async function bootHost(plan: LabPlan, host: HostPlan, tls: LabClientTls | undefined): Promise<void> {
  await createHostNetwork(plan, host);
  const daemon = await startDaemon(plan, host);
  await waitDaemon(host, daemon, tls);
}

/**
 * Removes every trace of a lab prefix, whatever its host count was: processes, mounts, namespaces,
 * root veth, cgroups, directories. What startLab runs first, and what stop() runs.
 */
export async function cleanupLab(prefixOrPlan: string | LabPlan): Promise<void> {
  const plan = typeof prefixOrPlan === 'string' ? labPlan({ prefix: prefixOrPlan, count: 1 }) : prefixOrPlan;
  const namespaces = await labNetns(plan.prefix);
  await killProcesses(
    namespaces.map((n) => `${NETNS_DIR}/${n}`),
    [`${plan.libDir}/`, `${plan.runDir}/`],
  );
  await unmountUnder([plan.libDir, plan.runDir]);
  await removeNetwork(plan);
  await removeCgroups(`gantry-lab/${plan.prefix}`, 'gantry-lab');
  await Promise.all([removeDir(plan.libDir), removeDir(plan.runDir)]);
  await Promise.all([removeIfEmpty(LIB_ROOT), removeIfEmpty(RUN_ROOT)]);
}

/**
 * Forgets the swarm nodes of the lab's addresses in the machine's swarm (the main engine is its
 * manager when a Gantry runs here): a lab stopped or crashed before its hosts left the swarm
 * leaves nodes that stay "ready" for ~10 s, then "down", at the addresses the next lab of the
 * prefix reuses, and the manager then fails new hosts' network attachments ("attaching to network
 * failed ... context deadline exceeded"). Nothing when the engine is no manager.
 */
async function forgetSwarmNodes(source: string, plan: LabPlan): Promise<void> {
  const net = plan.gateway.slice(0, plan.gateway.lastIndexOf('.') + 1);
  await removeNodes(connectDocker(source), (n) => n.addr.startsWith(net)).catch(() => 0);
}

export async function startLab(opts: LabOptions): Promise<Lab> {
  const plan = labPlan({ ...opts, firstHost: opts.firstHost ?? randomInt(2, 252 - opts.count) });
  const source = opts.source ?? process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
  assertEnvironment();
  await cleanupLab(plan);
  await forgetSwarmNodes(source, plan);
  await assertSubnetFree(plan);
  let tls: LabClientTls | undefined;
  try {
    if (plan.tlsDir) tls = await makeLabTls(plan.prefix, plan.libDir, plan.hosts);
    await createBridge(plan);
    await Promise.all(plan.hosts.map((h) => bootHost(plan, h, tls)));
  } catch (err) {
    await cleanupLab(plan).catch(() => {});
    throw err;
  }
  return createLab(plan, source, tls);
}

function createLab(plan: LabPlan, source: string, tls: LabClientTls | undefined): Lab {
  const down = new Set<string>();
  // One operation at a time per host (kill and restart of the same host must not interleave).
  const queues = new Map<string, Promise<unknown>>();
  let stopping: Promise<void> | undefined;

  const serial = <T>(name: string, op: () => Promise<T>): Promise<T> => {
    if (stopping) return Promise.reject(new Error(`Lab ${plan.prefix} is stopped`));
    const next = (queues.get(name) ?? Promise.resolve()).catch(() => {}).then(op);
    queues.set(name, next);
    return next;
  };

  return {
    gateway: plan.gateway,
    hosts: plan.hosts.map((h) => ({ name: h.name, address: h.address, dockerUrl: h.dockerUrl, ...(tls ? { tls } : {}), netns: h.netns, logFile: h.logFile })),

    async killHost(name) {
      const host = findHost(plan, name);
      return serial(name, async () => {
        down.add(name);
        await killHostNow(plan, host);
      });
    },

    async restartHost(name) {
      const host = findHost(plan, name);
      return serial(name, async () => {
        if (!down.has(name)) {
          down.add(name);
          await killHostNow(plan, host);
        }
        try {
          await bootHost(plan, host, tls);
        } catch (err) {
          // Back to a clean "down" state, so that another restartHost can try again.
          await killHostNow(plan, host).catch(() => {});
          throw err;
        }
        down.delete(name);
      });
    },

    async restartDocker(name) {
      const host = findHost(plan, name);
      return serial(name, async () => {
        if (down.has(name)) throw new Error(`Lab host ${name} is down`);
        await stopDaemon(host);
        await waitDaemon(host, await startDaemon(plan, host), tls);
        return Date.now();
      });
    },

    async copyImage(ref, names) {
      if (stopping) throw new Error(`Lab ${plan.prefix} is stopped`);
      const hosts = names ? names.map((n) => findHost(plan, n)) : plan.hosts;
      const dead = hosts.filter((h) => down.has(h.name));
      if (dead.length) throw new Error(`Cannot copy ${ref}: lab host(s) ${dead.map((h) => h.name).join(', ')} are down`);
      await copyImageInto(
        connectDocker(source),
        ref,
        hosts.map((h) => ({ name: h.name, docker: connectDocker(h.dockerUrl, tls) })),
      );
    },

    stop() {
      stopping ??= Promise.all([...queues.values()].map((q) => q.catch(() => {})))
        .then(() => cleanupLab(plan))
        .then(() => forgetSwarmNodes(source, plan));
      return stopping;
    },
  };
}
