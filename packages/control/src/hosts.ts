/**
 * Hosts: the Docker engines Gantry runs instances on. Cluster-wide, so only platform admins manage
 * them. A host whose engine the control plane reaches gets its agent run by the control plane
 * ("managed"); for another machine, `gantry-agent` runs there with the printed command.
 */
import { Conflict, Forbidden, InvalidInput, NotFound, checkDockerEndpoint, openDockerTls, sealDockerTls, type DockerTls, type DockerTransport, type SealedDockerTls } from '@gantry/core';
import type { Host } from '@gantry/db';
import type { Actor, Ctx, HostRecord } from './context';

export interface HostInput {
  name: string;
  dockerUrl: string;
  address: string;
  labels?: Record<string, string>;
  cpus?: number;
  memoryBytes?: number;
  /** The control plane must not run this host's agent (its engine is not reachable from here). */
  remote?: boolean;
  /** Client certificate for a tcp:// engine run with --tlsverify (core's docker-tls.ts). */
  tls?: DockerTls;
  /** Accept a tcp:// engine without TLS (the admin's explicit --insecure). */
  insecure?: boolean;
}

/**
 * The private network's membership (packages/docker swarmMembership): a host joins when it is
 * added and leaves when it is removed.
 */
export interface HostNetwork {
  join(host: { name: string; dockerUrl: string; tls?: DockerTls | undefined; address: string }): Promise<void>;
  leave(host: { name: string; dockerUrl: string; tls?: DockerTls | undefined; address: string }, reachable: boolean): Promise<void>;
}

/** What the engine says about itself, or why it could not be reached. */
export type EngineProbe = (dockerUrl: string, tls?: DockerTls) => Promise<{ ok: true; cpus: number; memoryBytes: number } | { ok: false; error: string }>;

const NAME = /^[a-z0-9][a-z0-9-]{0,39}$/;
const LABEL = /^[a-zA-Z0-9._/-]{1,63}$/;

export function requireAdmin(actor: Actor): void {
  if (!actor.isAdmin) throw new Forbidden('Only Gantry admins manage hosts.');
}

/** Checks every field; returns how the engine is reached (unix socket, TLS, or plain tcp the admin accepted). */
export function validateHost(input: HostInput): DockerTransport {
  if (!NAME.test(input.name)) throw new InvalidInput(`Invalid host name ${JSON.stringify(input.name)}: lowercase letters, digits and dashes, at most 40.`);
  const transport = checkDockerEndpoint(input);
  if (!/^[a-zA-Z0-9.:-]{1,253}$/.test(input.address)) throw new InvalidInput(`Invalid address ${JSON.stringify(input.address)}: an IP or hostname routers can reach.`);
  for (const [k, v] of Object.entries(input.labels ?? {})) {
    if (!LABEL.test(k) || !LABEL.test(v)) throw new InvalidInput(`Invalid label ${k}=${v}: letters, digits, ".", "_", "/", "-".`);
    if (k.startsWith('gantry.')) throw new InvalidInput(`Labels starting with "gantry." are reserved (${k}).`);
  }
  if (input.cpus !== undefined && !(input.cpus > 0 && input.cpus <= 1024)) throw new InvalidInput('--cpu must be a number of CPUs above 0.');
  if (input.memoryBytes !== undefined && !(input.memoryBytes >= 64 * 1024 * 1024)) throw new InvalidInput('--memory must be at least 64m.');
  return transport;
}

type HostTlsColumns = Pick<Host, 'tlsCa' | 'tlsCert' | 'tlsKeyEncrypted'>;

/** The host's TLS material as stored (key sealed), or undefined for unix:// and --insecure engines. */
export function sealedTlsOf(h: HostTlsColumns): SealedDockerTls | undefined {
  return h.tlsCa && h.tlsCert && h.tlsKeyEncrypted ? { ca: h.tlsCa, cert: h.tlsCert, keyEncrypted: h.tlsKeyEncrypted } : undefined;
}

/** The host's TLS material ready to connect with (key opened with the installation secret). */
export function hostTls(h: HostTlsColumns, secret: string): DockerTls | undefined {
  const sealed = sealedTlsOf(h);
  return sealed && openDockerTls(sealed, secret);
}

/** What agents and the supervisor read from the Redis registry: the key stays sealed there too. */
export function hostRecord(h: Host): HostRecord {
  const tls = sealedTlsOf(h);
  return { id: h.id, name: h.name, dockerUrl: h.dockerUrl, address: h.address, managed: h.managed, ...(tls ? { tls } : {}) };
}

/** The command that runs a remote host's agent. */
export function agentCommand(h: Pick<Host, 'name'>, redisUrl: string): string {
  return `GANTRY_AGENT_HOST=${h.name} REDIS_URL=${redisUrl} GANTRY_SECRET=<the installation secret> npx gantry-agent`;
}

export async function addHost(ctx: Ctx, actor: Actor, input: HostInput, probe: EngineProbe, opts: { secret: string; network?: HostNetwork | undefined }) {
  requireAdmin(actor);
  return registerHost(ctx, input, probe, opts);
}

/**
 * Registers a host without an acting user (npm run up, tests). Existing hosts are updated. The
 * secret seals a TLS client key (needed only with `tls`).
 */
export async function registerHost(ctx: Ctx, input: HostInput, probe: EngineProbe, opts: { upsert?: boolean; secret?: string; network?: HostNetwork | undefined } = {}) {
  const transport = validateHost(input);
  if (transport === 'tls' && !opts.secret) throw new Error('registerHost: a TLS client key needs the installation secret to be stored');
  const existing = await ctx.db.host.findUnique({ where: { name: input.name } });
  if (existing && !opts.upsert) throw new Conflict(`A host named ${input.name} exists already.`);
  const engine = input.remote ? null : await probe(input.dockerUrl, input.tls);
  if (engine && !engine.ok) {
    throw new InvalidInput(`Cannot reach the Docker engine at ${input.dockerUrl} (${engine.error}). For a machine the control plane cannot reach, add it with --remote and run gantry-agent there.`);
  }
  const cpus = input.cpus ?? (engine?.ok ? engine.cpus : undefined);
  const memoryBytes = input.memoryBytes ?? (engine?.ok ? engine.memoryBytes : undefined);
  if (cpus === undefined || memoryBytes === undefined) throw new InvalidInput('Give the capacity of a remote host: --cpu N --memory SIZE.');
  if (opts.network && !input.remote) {
    try {
      await opts.network.join({ name: input.name, dockerUrl: input.dockerUrl, tls: input.tls, address: input.address });
    } catch (err) {
      throw new InvalidInput(`${input.name} could not join the private network: ${(err as Error).message}. Its engine must reach this machine on TCP 2377 and 7946 and UDP 7946 and 4789, and the others on the same ports.`);
    }
  }
  const data = {
    dockerUrl: input.dockerUrl,
    address: input.address,
    labels: input.labels ?? {},
    cpus,
    memoryBytes: BigInt(memoryBytes),
    managed: !input.remote,
    ...tlsColumns(input.tls, opts.secret),
  };
  const host = existing
    ? await ctx.db.host.update({ where: { id: existing.id }, data })
    : await ctx.db.host.create({ data: { name: input.name, ...data } });
  await ctx.live?.hostChanged(hostRecord(host));
  return host;
}

function tlsColumns(tls: DockerTls | undefined, secret: string | undefined): HostTlsColumns {
  if (!tls || !secret) return { tlsCa: null, tlsCert: null, tlsKeyEncrypted: null };
  const sealed = sealDockerTls(tls, secret);
  return { tlsCa: sealed.ca, tlsCert: sealed.cert, tlsKeyEncrypted: sealed.keyEncrypted };
}

export async function listHosts(ctx: Ctx, actor: Actor) {
  requireAdmin(actor);
  return ctx.db.host.findMany({ orderBy: { name: 'asc' } });
}

export async function getHost(ctx: Ctx, actor: Actor, name: string) {
  requireAdmin(actor);
  const host = await ctx.db.host.findUnique({ where: { name } });
  if (!host) throw new NotFound('Host', name);
  return host;
}

/** Draining moves every instance away (new ones first, then the old leave); undrain takes it back. */
export async function setDraining(ctx: Ctx, actor: Actor, name: string, draining: boolean) {
  const host = await getHost(ctx, actor, name);
  const updated = await ctx.db.host.update({ where: { id: host.id }, data: { draining } });
  await ctx.live?.hostChanged(hostRecord(updated));
  return updated;
}

/** Removes a host that runs nothing and holds no volume; a host with instances must be drained first. */
export async function removeHost(ctx: Ctx, actor: Actor, name: string, instancesOnHost: (hostId: string) => Promise<number>, opts: { network?: HostNetwork | undefined; secret?: string } = {}) {
  const host = await getHost(ctx, actor, name);
  const count = await instancesOnHost(host.id);
  if (count > 0) {
    throw new Conflict(
      host.draining
        ? `${name} still runs ${count} instance${count === 1 ? '' : 's'}; they are moving away. Try again when it runs none.`
        : `${name} runs ${count} instance${count === 1 ? '' : 's'}. Drain it first: gantry hosts:drain ${name}`,
    );
  }
  // Volumes live on one host: removing it would lose their data without a word.
  const volumes = await ctx.db.volume.findMany({ where: { hostId: host.id }, include: { addon: { select: { name: true } } }, orderBy: { name: 'asc' } });
  if (volumes.length) {
    const what = volumes.map((v) => (v.addon ? `${v.name} (data of the add-on ${v.addon.name}: gantry addons:destroy ${v.addon.name} --confirm ${v.addon.name})` : `${v.name} (gantry volumes:destroy ${v.name} --confirm ${v.name})`));
    throw new Conflict(`${name} holds ${volumes.length === 1 ? 'a volume' : `${volumes.length} volumes`} whose data would be lost: ${what.join('; ')}. Move or destroy ${volumes.length === 1 ? 'it' : 'them'} first.`);
  }
  await ctx.db.host.delete({ where: { id: host.id } });
  await ctx.live?.hostChanged({ removed: host.id });
  if (opts.network) {
    // Once its agent knows the host is gone (it then keeps nothing running there). A dead engine
    // cannot leave: the manager forgets its node all the same.
    const tls = opts.secret ? hostTls(host, opts.secret) : undefined;
    await opts.network.leave({ name: host.name, dockerUrl: host.dockerUrl, tls, address: host.address }, host.managed).catch(() => {});
  }
  return host;
}
