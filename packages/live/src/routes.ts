/**
 * The routing table: hostname -> the healthy instances that serve it. The scheduler writes it;
 * every router keeps a copy in memory, loaded at start and kept current by pub/sub messages,
 * and reports which version it serves so a deploy can wait until every router switched before
 * it stops old instances.
 *
 *   scheduler --setRoutes--> HSET routes + INCR version + PUBLISH routes:changed
 *   router    <--subscribe-- routes:changed -> HMGET changed hostnames -> ack version in "routers"
 */
import type { Redis } from 'ioredis';
import type { Route } from '@gantry/scheduler-core';
import type { Keys } from './keys';

export type { Backend, Route } from '@gantry/scheduler-core';

export interface RoutesChanged {
  version: number;
  /** Hostnames whose route changed or was removed. */
  hostnames: string[];
}

export interface RouterPresence {
  version: number;
  /** Epoch ms of the router's last report. */
  at: number;
  pid?: number;
  /** How late its event loop ran since the previous report (ms): a busy or stalled router shows. */
  eventLoop?: { p50Ms: number; p99Ms: number; maxMs: number };
}

/** Routers that have not reported within this window are not waited for. */
export const ROUTER_STALE_MS = 10_000;

export class RoutingTable {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  /**
   * Sets (route) or removes (null) the routes of some hostnames atomically, bumps the version
   * and notifies routers. Returns the new version.
   */
  async set(changes: Record<string, Route | null>): Promise<number> {
    const hostnames = Object.keys(changes);
    if (hostnames.length === 0) return this.version();
    const multi = this.redis.multi();
    for (const [hostname, route] of Object.entries(changes)) {
      if (route) multi.hset(this.keys.routes, hostname, JSON.stringify(route));
      else multi.hdel(this.keys.routes, hostname);
    }
    multi.incr(this.keys.routesVersion);
    const results = await multi.exec();
    const version = Number(results?.at(-1)?.[1]);
    const message: RoutesChanged = { version, hostnames };
    await this.redis.publish(this.keys.routesChanged, JSON.stringify(message));
    return version;
  }

  /**
   * Routes an app at exactly these hostnames: new ones are set, ones it no longer has (a removed
   * domain, a renamed app) are removed. Returns the table version, or null when nothing changed.
   */
  async setApp(appId: string, hostnames: string[], route: Route | null): Promise<number | null> {
    const previous = await this.redis.smembers(this.keys.appRoutes(appId));
    const wanted = route ? hostnames : [];
    const current = await this.get([...new Set([...previous, ...wanted])]);
    const changes: Record<string, Route | null> = {};
    for (const h of previous) if (!wanted.includes(h)) changes[h] = null;
    for (const h of wanted) if (JSON.stringify(current.get(h) ?? null) !== JSON.stringify(route)) changes[h] = route;
    if (Object.keys(changes).length === 0) return null;
    const version = await this.set(changes);
    const multi = this.redis.multi().del(this.keys.appRoutes(appId));
    if (wanted.length) multi.sadd(this.keys.appRoutes(appId), ...wanted);
    await multi.exec();
    return version;
  }

  async version(): Promise<number> {
    return Number((await this.redis.get(this.keys.routesVersion)) ?? 0);
  }

  /** The whole table and its version, read consistently. */
  async load(): Promise<{ version: number; routes: Map<string, Route> }> {
    const [[, version], [, all]] = (await this.redis
      .multi()
      .get(this.keys.routesVersion)
      .hgetall(this.keys.routes)
      .exec()) as [[null, string | null], [null, Record<string, string>]];
    const routes = new Map<string, Route>();
    for (const [host, json] of Object.entries(all ?? {})) routes.set(host, JSON.parse(json) as Route);
    return { version: Number(version ?? 0), routes };
  }

  /** Current routes of some hostnames (null where none). */
  async get(hostnames: string[]): Promise<Map<string, Route | null>> {
    const out = new Map<string, Route | null>();
    if (hostnames.length === 0) return out;
    const values = await this.redis.hmget(this.keys.routes, ...hostnames);
    hostnames.forEach((h, i) => out.set(h, values[i] ? (JSON.parse(values[i]!) as Route) : null));
    return out;
  }

  /** A router reports the table version it now serves. */
  async reportRouter(routerId: string, presence: RouterPresence): Promise<void> {
    await this.redis.hset(this.keys.routers, routerId, JSON.stringify(presence));
  }

  async removeRouter(routerId: string): Promise<void> {
    await this.redis.hdel(this.keys.routers, routerId);
  }

  /** Live routers (reported within ROUTER_STALE_MS). */
  async liveRouters(now = Date.now()): Promise<Map<string, RouterPresence>> {
    const all = await this.redis.hgetall(this.keys.routers);
    const live = new Map<string, RouterPresence>();
    for (const [id, json] of Object.entries(all)) {
      const p = JSON.parse(json) as RouterPresence;
      if (now - p.at <= ROUTER_STALE_MS) live.set(id, p);
    }
    return live;
  }

  /**
   * Waits until every live router serves at least `version`. Resolves with the routers that
   * did not catch up within the timeout (empty when all did).
   */
  async waitForRouters(version: number, timeoutMs: number, pollMs = 25): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const behind = [...(await this.liveRouters())].filter(([, p]) => p.version < version).map(([id]) => id);
      if (behind.length === 0 || Date.now() >= deadline) return behind;
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }
}
