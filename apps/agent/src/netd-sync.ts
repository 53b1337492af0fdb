/**
 * Keeps this host's netd running and current: the team-scoped views of the private names table,
 * which container (by its apps-bridge address) belongs to which team, and the netds of the other
 * hosts to probe. Pushed whenever one of them changes (names table message, a container started
 * or destroyed) and on every reconcile pass.
 *
 *   names:changed ─┐
 *   docker start/destroy ─┼─> schedule() ─> state() ─> NetdClient.push ─> netd (PUT /state)
 *   reconcile (5 s) ─┘        clients: bridge IP -> team   zones: team -> names   peers: host -> netd
 */
import { createHmac } from 'node:crypto';
import { isIP } from 'node:net';
import { appsBridgeName, teamNetworkName } from '@gantry/core';
import { detectNetworkAddress, type Docker } from '@gantry/docker';
import type { HostRegistry, Keys, NamesTable } from '@gantry/live';
import type { Logger } from '@gantry/log';
import type { NetdState } from '@gantry/netd';
import type { Redis } from 'ioredis';
import type { DockerHost } from './docker-host';
import type { ImageFetcher } from './images';
import { ensureNetd, NetdClient } from './netd';

export interface NetdSyncDeps {
  hostId: string;
  /** The host's address as registered (hosts:add --address); loopback for this machine's engine. */
  address: string;
  networkAddress?: string | undefined;
  controlPort: number;
  secret: string;
  installation: string;
  docker: Docker;
  host: DockerHost;
  images: ImageFetcher;
  redis: Redis;
  keys: Keys;
  names: NamesTable;
  registry: HostRegistry;
  log: Logger;
}

/** The token agents write netd state with: derived from the installation secret, the same for every host. */
export function netdToken(secret: string): string {
  return createHmac('sha256', secret).update('gantry-netd').digest('hex');
}

/** Where other hosts reach this host's netd: its registered address, or this machine's network address when registered on loopback. */
export function controlAddressOf(address: string, networkAddress?: string): string {
  if (isIP(address) === 4 && !address.startsWith('127.')) return address;
  return networkAddress ?? detectNetworkAddress();
}

export class NetdSync {
  private ready = false;
  private client: NetdClient | null = null;
  private version = 0;
  private timer: NodeJS.Timeout | null = null;
  private pushing: Promise<void> | null = null;
  private ensuring: Promise<void> | null = null;
  private again = false;
  private readonly teamPrefix: string;

  constructor(private readonly deps: NetdSyncDeps) {
    this.teamPrefix = teamNetworkName(deps.installation, '');
  }

  /** Whether new containers may use netd for DNS (it runs and has taken a state). */
  isReady(): boolean {
    return this.ready;
  }

  /**
   * For a container about to be created: whether it uses netd for DNS. Yes whenever this
   * installation runs netd, even while this host's netd is still starting (a host that has just
   * joined fetches its image first): lookups fail for those seconds, instead of the container never
   * knowing private names. Never waits.
   */
  async usesNetd(): Promise<boolean> {
    if (this.ready) return true;
    return (await this.deps.redis.exists(this.deps.keys.netdImage)) === 1;
  }

  /** Makes sure netd runs with this code's image and settings, then pushes the state (one at a time). */
  ensure(): Promise<void> {
    this.ensuring ??= this.ensureNow().finally(() => (this.ensuring = null));
    return this.ensuring;
  }

  private async ensureNow(): Promise<void> {
    const { deps } = this;
    // A removed host keeps no netd (hosts:remove takes it off): never start it again from here.
    if (!(await deps.registry.all()).some((h) => h.id === deps.hostId)) return;
    const image = await deps.redis.get(deps.keys.netdImage);
    if (!image) {
      this.ready = false;
      return; // an installation from before netd: containers keep Docker's own resolvers
    }
    await deps.images.ensure(image);
    const bridge = await deps.host.appsBridge();
    const controlAddress = controlAddressOf(deps.address, deps.networkAddress);
    const token = netdToken(deps.secret);
    const done = await ensureNetd(deps.docker, { installation: deps.installation, hostId: deps.hostId, image, dnsIp: bridge.gateway, controlAddress, controlPort: deps.controlPort, token });
    if (done !== 'running') deps.log.info(`netd ${done} (DNS on ${bridge.gateway}, control on ${controlAddress}:${deps.controlPort})`);
    this.client ??= new NetdClient(`http://${controlAddress}:${deps.controlPort}`, token);
    await deps.redis.hset(deps.keys.netdPeers, deps.hostId, `${controlAddress}:${deps.controlPort}`);
    if (done !== 'running') await this.listening(3000);
    await this.push();
  }

  /** A push soon (changes come in bursts: one push for all of them). */
  schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.push().catch((err: Error) => this.deps.log.warn(`netd push: ${err.message}`));
    }, 10);
  }

  /** Pushes the current state; a push asked for while one runs follows it. */
  push(): Promise<void> {
    if (this.pushing) {
      this.again = true;
      return this.pushing;
    }
    this.pushing = (async () => {
      do {
        this.again = false;
        if (!this.client) return;
        const state = await this.state();
        try {
          await this.client.push(state);
          this.ready = true;
        } catch (err) {
          // Starting (not listening yet) or gone: the next ensure() brings it back.
          this.ready = false;
          throw err;
        }
      } while (this.again);
    })().finally(() => (this.pushing = null));
    return this.pushing;
  }

  /** Waits (bounded) until a netd that was just (re)started answers its health check. */
  private async listening(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (await this.client!.health().then(() => true, () => false)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
  }

  private async state(): Promise<NetdState> {
    const { deps } = this;
    const bridge = appsBridgeName(deps.installation);
    const clients: NetdState['clients'] = {};
    const containers = await deps.docker.listContainers({ filters: { label: [`gantry.instance=${deps.installation}`] } });
    for (const c of containers) {
      const network = c.Labels['gantry.private.network'];
      const ip = c.NetworkSettings?.Networks?.[bridge]?.IPAddress;
      if (network?.startsWith(this.teamPrefix) && ip) clients[ip] = network.slice(this.teamPrefix.length);
    }
    const zones: NetdState['zones'] = {};
    for (const app of (await deps.names.load()).apps.values()) {
      const zone = (zones[app.teamId] ??= {});
      for (const [name, records] of Object.entries(app.records)) zone[name] = records;
    }
    const registered = new Set((await deps.registry.all()).map((h) => h.id));
    const peers: NetdState['peers'] = {};
    for (const [hostId, control] of Object.entries(await deps.redis.hgetall(deps.keys.netdPeers))) if (registered.has(hostId)) peers[hostId] = control;
    this.version = Math.max(this.version + 1, Date.now());
    return { version: this.version, clients, zones, peers };
  }
}
