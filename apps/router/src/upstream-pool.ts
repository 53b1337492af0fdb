/**
 * Keep-alive connections to instances, per instance: idle ones on a stack (the most recently
 * used first, so that spare ones age out), at most `maxPerInstance` open (requests beyond wait,
 * first come first served), idle ones closed after 4 s (below Node's 5 s server keep-alive
 * timeout, or earlier when the instance's Keep-Alive header says so).
 *
 * One sweeper (an interval, a few times a second) enforces every time limit of the data path
 * (connect, first byte, stream idle, idle in the pool, waiting for a connection), so requests
 * create no timers: they only write a deadline number and an "active" flag.
 */
import type { BackendState } from './balancer';
import type { ProxiedRequest } from './request';
import { UPSTREAM_TIMEOUT, UpstreamConnection, upstreamError, type ConnectionOwner } from './upstream-connection';

export interface UpstreamPoolOptions {
  connectMs: number;
  firstByteMs: number;
  streamIdleMs: number;
  maxBodyBytes: number;
  /** Connections per instance (requests beyond wait for one). */
  maxPerInstance?: number;
  /** Idle connections are closed after this. */
  idleSocketMs?: number;
  /** The response is complete (the instance is done with the request). */
  onDone(req: ProxiedRequest): void;
  /** The exchange failed; the request has no connection any more. */
  onError(req: ProxiedRequest, err: Error): void;
}

/** Below Node's default 5 s keepAliveTimeout, the most common app server. */
export const IDLE_SOCKET_MS = 4000;

class InstanceConnections {
  readonly idle: UpstreamConnection[] = [];
  open = 0;
  readonly waiting: ProxiedRequest[] = [];
}

export class UpstreamPool implements ConnectionOwner {
  readonly maxBodyBytes: number;
  readonly idleSocketMs: number;
  private readonly maxPerInstance: number;
  private readonly byInstance = new WeakMap<BackendState, InstanceConnections>();
  private readonly all = new Set<UpstreamConnection>();
  /** Instances with requests waiting for a connection. */
  private readonly queued = new Set<InstanceConnections>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly o: UpstreamPoolOptions) {
    this.maxBodyBytes = o.maxBodyBytes;
    this.idleSocketMs = o.idleSocketMs ?? IDLE_SOCKET_MS;
    this.maxPerInstance = o.maxPerInstance ?? 256;
    const shortest = Math.min(o.connectMs, o.firstByteMs, o.streamIdleMs, this.idleSocketMs);
    this.sweeper = setInterval(() => this.sweep(), Math.max(10, Math.min(250, Math.floor(shortest / 4))));
    this.sweeper.unref();
  }

  /** Sends `req` to `backend` on an idle connection, a new one, or when one frees up. */
  acquire(backend: BackendState, req: ProxiedRequest): void {
    let pool = this.byInstance.get(backend);
    if (pool === undefined) {
      pool = new InstanceConnections();
      this.byInstance.set(backend, pool);
    }
    const conn = pool.idle.pop();
    if (conn !== undefined) return conn.assign(req);
    if (pool.open < this.maxPerInstance) return this.open(backend, pool).assign(req);
    req.waitingSince = performance.now();
    pool.waiting.push(req);
    this.queued.add(pool);
  }

  /** Forgets a request that waits for a connection (its client went away). */
  cancel(req: ProxiedRequest): void {
    if (req.waitingSince < 0) return;
    req.waitingSince = -1;
    for (const pool of this.queued) {
      const i = pool.waiting.indexOf(req);
      if (i !== -1) {
        pool.waiting.splice(i, 1);
        if (pool.waiting.length === 0) this.queued.delete(pool);
        return;
      }
    }
  }

  /** Open connections (idle and busy), for tests and diagnostics. */
  get size(): number {
    return this.all.size;
  }

  /** Closes every connection and stops the sweeper. */
  close(): void {
    clearInterval(this.sweeper);
    for (const conn of [...this.all]) conn.abort();
    for (const pool of this.queued) pool.waiting.length = 0;
    this.queued.clear();
  }

  // ConnectionOwner

  firstByteMs(req: ProxiedRequest): number {
    return req.route?.firstByteMs ?? this.o.firstByteMs;
  }

  streamIdleMs(req: ProxiedRequest): number {
    return req.route?.idleMs ?? this.o.streamIdleMs;
  }

  reusable(conn: UpstreamConnection): void {
    const pool = this.byInstance.get(conn.backend);
    if (pool === undefined) return conn.destroy();
    const next = this.nextWaiting(pool);
    if (next !== undefined) return conn.assign(next);
    pool.idle.push(conn);
  }

  gone(conn: UpstreamConnection): void {
    if (!this.all.delete(conn)) return;
    const pool = this.byInstance.get(conn.backend);
    if (pool === undefined) return;
    pool.open--;
    const i = pool.idle.lastIndexOf(conn);
    if (i !== -1) pool.idle.splice(i, 1);
    // A slot is free: the first waiting request gets a new connection.
    if (pool.waiting.length > 0 && pool.open < this.maxPerInstance) {
      const next = this.nextWaiting(pool);
      if (next !== undefined) this.open(conn.backend, pool).assign(next);
    }
  }

  done(req: ProxiedRequest): void {
    this.o.onDone(req);
  }

  failed(req: ProxiedRequest, err: Error): void {
    this.o.onError(req, err);
  }

  private open(backend: BackendState, pool: InstanceConnections): UpstreamConnection {
    const conn = new UpstreamConnection(this, backend, this.o.connectMs);
    pool.open++;
    this.all.add(conn);
    return conn;
  }

  private nextWaiting(pool: InstanceConnections): ProxiedRequest | undefined {
    const next = pool.waiting.shift();
    if (pool.waiting.length === 0) this.queued.delete(pool);
    if (next !== undefined) next.waitingSince = -1;
    return next;
  }

  private sweep(): void {
    const now = performance.now();
    for (const conn of this.all) conn.tick(now);
    for (const pool of this.queued) {
      while (pool.waiting.length > 0) {
        const req = pool.waiting[0]!;
        if (now - req.waitingSince < this.firstByteMs(req)) break;
        pool.waiting.shift();
        req.waitingSince = -1;
        this.o.onError(req, upstreamError('no connection free in time', UPSTREAM_TIMEOUT));
      }
      if (pool.waiting.length === 0) this.queued.delete(pool);
    }
  }
}
