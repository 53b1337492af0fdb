/**
 * The router's in-memory copy of the routing table, kept current from Redis:
 *
 *   start:    SUBSCRIBE routes:changed, then load the whole table (so nothing published in
 *             between is lost: older messages are ignored by version)
 *   message:  {version, hostnames} -> HMGET those hostnames -> apply -> report the version
 *   gap:      a message more than one version ahead -> reload the whole table
 *   reconnect of the subscriber -> reload; every heartbeat the version counter in Redis is
 *             compared with the applied one (reload when they differ) and the version reported
 *
 * Requests only ever read the map; all Redis work happens off the hot path, one operation at a
 * time. When Redis is unreachable the last table keeps serving.
 *
 *   start, Redis judged unreachable (`saved.unreachable`, saved-start.ts) -> serve the saved table (snapshot.ts) at once,
 *             the subscription and the first load still waiting for Redis -> full reload when it
 *             answers. Every applied change calls `onApplied`, which saves the table (debounced).
 */
import type { RouteSleep } from '@gantry/core';
import type { Backend, connectRedis, Route, RouterPresence, RoutesChanged, RoutingTable } from '@gantry/live';
import { BackendRegistry, createPool, type Pool } from './balancer';
import { normalizeHost } from './hostname';
import type { Logger } from './log';
import type { TableState } from './snapshot';

export type RedisConnection = ReturnType<typeof connectRedis>;

export interface RouteEntry {
  readonly hostname: string;
  readonly app: string;
  readonly appId: string;
  readonly pool: Pool;
  /** The app's own first-byte timeout (route options), else the router's applies. */
  readonly firstByteMs: number | undefined;
  /** The app's own idle timeout for streams (route options), else the router's applies. */
  readonly idleMs: number | undefined;
  /** Plain HTTP requests are redirected to HTTPS (route options). */
  readonly httpsRedirect: boolean;
  /** The web type may sleep: requests are held while it sleeps or wakes (route options). */
  readonly sleep: RouteSleep | undefined;
}

export interface LiveTableOptions {
  /** Routing table on the router's command connection. */
  routing: RoutingTable;
  /** Dedicated connection, put in subscriber mode. */
  subscriber: RedisConnection;
  /** Command connection (only watched, for logging its state). */
  commands: RedisConnection;
  /** Pub/sub channel of RoutesChanged messages. */
  channel: string;
  routerId: string;
  log: Logger;
  /** Interval of the presence report and version check. */
  heartbeatMs: number;
  /** Upper bound on Redis calls made while stopping. */
  stopTimeoutMs?: number;
  /** More to say in each presence report (the event loop's delay). */
  presence?: () => Partial<RouterPresence>;
  /** A start that Redis does not answer before `unreachable` settles serves this table (when there is one). */
  saved?: SavedTable;
  /** Called after every change applied from Redis; `current()` gives the table as applied. */
  onApplied?: (current: () => TableState) => void;
}

export interface SavedTable {
  /** Settles when the start should stop waiting for Redis (saved-start.ts). */
  unreachable: Promise<unknown>;
  /** The saved table, or undefined when there is none that can be used (said in the log by the loader). */
  load(): Promise<TableState | undefined>;
}

export class LiveTable {
  private routes = new Map<string, RouteEntry>();
  /** The routes as Redis gave them, by normalized hostname (what a snapshot saves). */
  private sources = new Map<string, Route>();
  /** Whether anything was loaded from Redis yet (a saved table never replaces what Redis gave). */
  private loadedFromRedis = false;
  /** Serving a saved table, not yet caught up with Redis. */
  private fromSaved = false;
  private readonly registry = new BackendRegistry();
  private backendCount = 0;
  private applied = 0;
  /** Set when an update failed; the next heartbeat reloads. */
  private stale = false;
  private queue: Promise<void> = Promise.resolve();
  private heartbeat: NodeJS.Timeout | undefined;
  private beating = false;
  private stopped = false;
  private readonly down = new Set<string>();
  private readonly detach: Array<() => void> = [];

  constructor(private readonly o: LiveTableOptions) {}

  lookup(hostname: string): RouteEntry | undefined {
    return this.routes.get(hostname);
  }

  /** Version of the table being served. */
  get version(): number {
    return this.applied;
  }

  /** Number of hostnames. */
  get size(): number {
    return this.routes.size;
  }

  /** True while a Redis connection is known to be down. */
  get redisDown(): boolean {
    return this.down.size > 0;
  }

  /** True while the table served is a saved one that Redis has not confirmed yet. */
  get servingSaved(): boolean {
    return this.fromSaved;
  }

  /** The table as applied (for the snapshot). */
  current(): TableState {
    return { version: this.applied, routes: Object.fromEntries(this.sources) };
  }

  /**
   * Subscribes, loads the whole table and starts the heartbeat. Waits for Redis if it is down,
   * unless a saved table is given: then Redis has until `saved.unreachable` settles to answer
   * before the saved table is served and the start goes on without it (catching up when Redis answers).
   */
  async start(): Promise<void> {
    const following = this.follow();
    try {
      if (!(await this.servedSavedFirst(following))) await following;
    } catch (err) {
      for (const d of this.detach.splice(0)) d();
      throw err;
    }
    this.heartbeat = setInterval(() => this.beat(), this.o.heartbeatMs);
    this.heartbeat.unref();
  }

  /** Serves the saved table if Redis is judged unreachable first and there is one; true when it did. */
  private async servedSavedFirst(following: Promise<void>): Promise<boolean> {
    const saved = this.o.saved;
    if (saved === undefined) return false;
    const inTime = await Promise.race([following.then(() => true), saved.unreachable.then(() => false)]);
    if (inTime) return false;
    const table = await saved.load();
    // Redis may have answered while the file was read: what it gave wins.
    if (table === undefined || this.loadedFromRedis) return false;
    this.applySaved(table);
    following.catch((err: unknown) => {
      // The subscription or the first load failed for good: the heartbeat reloads instead.
      this.stale = true;
      this.o.log.error(`at=error code=table_follow_failed desc=${JSON.stringify(errorMessage(err))} serving_version=${this.applied}`);
    });
    return true;
  }

  private applySaved(table: TableState): void {
    const next = new Map<string, RouteEntry>();
    const sources = new Map<string, Route>();
    let count = 0;
    for (const [raw, route] of Object.entries(table.routes)) {
      const entry = this.entryFor(raw, route);
      next.set(entry.hostname, entry);
      sources.set(entry.hostname, route);
      count += entry.pool.backends.length;
    }
    this.routes = next;
    this.sources = sources;
    this.backendCount = count;
    this.applied = table.version;
    this.fromSaved = true;
  }

  private async follow(): Promise<void> {
    const { subscriber, commands, channel } = this.o;
    this.watch(commands, 'command');
    this.watch(subscriber, 'subscriber');
    const onMessage = (ch: string, message: string) => {
      if (ch === channel) this.onMessage(message);
    };
    subscriber.on('message', onMessage);
    this.detach.push(() => subscriber.off('message', onMessage));
    await subscriber.subscribe(channel);
    // ioredis resubscribes by itself after a reconnect, but messages published while the
    // connection was down are lost: reload the whole table once subscribed again.
    const onReady = () => {
      void this.enqueue(async () => {
        await subscriber.subscribe(channel);
        await this.reload('subscriber reconnected');
      });
    };
    subscriber.on('ready', onReady);
    this.detach.push(() => subscriber.off('ready', onReady));
    // In the queue (messages may already be arriving), but a failure here fails the start.
    const first = this.queue.then(() => this.reload());
    this.queue = first.catch(() => {});
    await first;
  }

  /** Stops following changes and removes this router from the routers hash. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.heartbeat);
    for (const d of this.detach.splice(0)) d();
    // Redis down or not answering: nothing to tell it (the presence report goes stale by itself).
    if (this.redisDown || this.o.commands.status !== 'ready') return;
    const limit = this.o.stopTimeoutMs ?? 2000;
    await bounded(this.o.subscriber.unsubscribe(this.o.channel), limit);
    // Same connection as the reports, so a report sent before this cannot land after it.
    await bounded(this.o.routing.removeRouter(this.o.routerId), limit);
  }

  private onMessage(message: string): void {
    let change: RoutesChanged;
    try {
      change = JSON.parse(message) as RoutesChanged;
    } catch {
      this.o.log.warn(`at=warn code=bad_message desc="unparsable routes:changed message; reloading" message=${JSON.stringify(message.slice(0, 200))}`);
      void this.enqueue(() => this.reload());
      return;
    }
    void this.enqueue(() => this.applyChange(change));
  }

  private async applyChange(change: RoutesChanged): Promise<void> {
    const version = Number(change.version);
    if (!Number.isFinite(version) || !Array.isArray(change.hostnames)) return this.reload('malformed change message');
    if (version <= this.applied) return;
    if (version > this.applied + 1) return this.reload(`version gap (${this.applied} -> ${version})`);
    const fresh = await this.o.routing.get(change.hostnames);
    for (const [hostname, route] of fresh) this.put(hostname, route);
    this.applied = version;
    this.sweepIfNeeded();
    this.o.onApplied?.(() => this.current());
    await this.report();
  }

  private async reload(reason?: string): Promise<void> {
    const { version, routes } = await this.o.routing.load();
    const next = new Map<string, RouteEntry>();
    const sources = new Map<string, Route>();
    let count = 0;
    for (const [raw, route] of routes) {
      const entry = this.entryFor(raw, route);
      next.set(entry.hostname, entry);
      sources.set(entry.hostname, route);
      count += entry.pool.backends.length;
    }
    const before = this.applied;
    this.routes = next;
    this.sources = sources;
    this.backendCount = count;
    this.applied = version;
    this.stale = false;
    this.loadedFromRedis = true;
    const caughtUp = this.fromSaved;
    if (caughtUp) {
      this.fromSaved = false;
      reason ??= 'Redis answered after a start from the saved table';
    }
    this.registry.retainOnly(this.pools());
    this.o.onApplied?.(() => this.current());
    if (reason) {
      const line = `table reloaded (${reason}): version ${before} -> ${version}, ${next.size} routes`;
      if (version !== before || caughtUp) this.o.log.info(line);
      else this.o.log.debug(line);
    }
    await this.report();
  }

  private put(raw: string, route: Route | null): void {
    const hostname = normalizeHost(raw);
    const previous = this.routes.get(hostname);
    if (previous) this.backendCount -= previous.pool.backends.length;
    if (route === null) {
      this.routes.delete(hostname);
      this.sources.delete(hostname);
      return;
    }
    const entry = this.entryFor(raw, route);
    this.routes.set(hostname, entry);
    this.sources.set(hostname, route);
    this.backendCount += entry.pool.backends.length;
  }

  private entryFor(raw: string, route: Route): RouteEntry {
    const hostname = normalizeHost(raw);
    const backends = [];
    for (const b of Array.isArray(route.backends) ? route.backends : []) {
      if (isBackend(b)) backends.push(this.registry.obtain(b));
      else this.o.log.warn(`at=warn code=bad_route host=${hostname} desc="backend without host/port ignored" backend=${JSON.stringify(b)}`);
    }
    const options = route.options;
    return {
      hostname,
      app: String(route.app ?? hostname),
      appId: String(route.appId ?? ''),
      pool: createPool(backends),
      firstByteMs: positiveMs(options?.firstByteMs),
      idleMs: positiveMs(options?.idleMs),
      httpsRedirect: options?.httpsRedirect === true,
      sleep: routeSleep(options?.sleep),
    };
  }

  /** Instances that left every route are forgotten now and then (ports change every deploy). */
  private sweepIfNeeded(): void {
    if (this.registry.size > 64 && this.registry.size > 2 * this.backendCount) this.registry.retainOnly(this.pools());
  }

  private *pools(): Iterable<Pool> {
    for (const entry of this.routes.values()) yield entry.pool;
  }

  private async report(): Promise<void> {
    if (this.stopped) return;
    await this.o.routing.reportRouter(this.o.routerId, { ...this.o.presence?.(), version: this.applied, at: Date.now(), pid: process.pid });
  }

  private beat(): void {
    if (this.beating || this.stopped) return;
    this.beating = true;
    void this.enqueue(async () => {
      const current = await this.o.routing.version();
      if (this.stale || current !== this.applied) await this.reload(this.stale ? 'after a failed update' : `Redis has version ${current}`);
      else await this.report();
    }).finally(() => {
      this.beating = false;
    });
  }

  /** Runs table operations one at a time, in order; a failure marks the table stale. */
  private enqueue(op: () => Promise<void>): Promise<void> {
    const next = this.queue.then(
      () => (this.stopped ? undefined : op()),
    ).catch((err: unknown) => {
      this.stale = true;
      this.o.log.error(`at=error code=table_update_failed desc=${JSON.stringify(errorMessage(err))} version=${this.applied}`);
    });
    this.queue = next;
    return next;
  }

  private watch(redis: RedisConnection, name: string): void {
    const onError = (err: Error) => {
      if (this.down.has(name)) return;
      this.down.add(name);
      this.o.log.warn(`at=warn code=redis_down connection=${name} desc=${JSON.stringify(errorMessage(err))} serving_version=${this.applied}`);
    };
    const onReady = () => {
      if (this.down.delete(name)) this.o.log.info(`redis ${name} connection is back`);
    };
    const onClose = () => {
      if (!this.stopped && !this.down.has(name)) {
        this.down.add(name);
        this.o.log.warn(`at=warn code=redis_down connection=${name} desc="connection closed" serving_version=${this.applied}`);
      }
    };
    redis.on('error', onError);
    redis.on('ready', onReady);
    redis.on('close', onClose);
    this.detach.push(() => {
      redis.off('error', onError);
      redis.off('ready', onReady);
      redis.off('close', onClose);
    });
  }
}

function isBackend(b: unknown): b is Backend {
  if (typeof b !== 'object' || b === null) return false;
  const { host, port, id } = b as Partial<Backend>;
  return typeof host === 'string' && host !== '' && typeof id === 'string' && Number.isInteger(port) && port! > 0 && port! < 65536;
}

/** A usable duration from a route option (a positive finite number), else undefined. */
function positiveMs(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message || err.name : String(err);
}

/** Waits for `p` at most `ms`; never rejects (used while stopping). */
async function bounded(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p.catch(() => {}), new Promise<void>((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
}

/** The route's sleep options, when well formed (a route from an older scheduler has none). */
function routeSleep(v: unknown): RouteSleep | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  const wakeTimeoutMs = positiveMs(o.wakeTimeoutMs);
  if (wakeTimeoutMs === undefined) return undefined;
  return { asleep: o.asleep === true, wokeAt: typeof o.wokeAt === 'number' ? o.wokeAt : null, wakeTimeoutMs };
}
