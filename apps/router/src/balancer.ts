/**
 * Choosing an instance for a request: least outstanding requests, ties broken round-robin,
 * instances that just refused a connection skipped for a moment ("ejected").
 */
import type { Backend } from '@gantry/live';

/** One instance as the router tracks it. Shared by every route that lists it. */
export interface BackendState {
  /** Identity across table updates: instance id plus address. */
  readonly key: string;
  readonly id: string;
  /** Process name for logs, e.g. "web.1". */
  readonly process: string;
  /** What the proxy connects to. */
  readonly target: { readonly host: string; readonly port: number; readonly protocol: 'http:' };
  /** Requests (and websockets) currently proxied to it. */
  inflight: number;
  /** Epoch ms until which it is passed over because a connection to it failed. */
  ejectedUntil: number;
}

/** The instances of one route and its round-robin cursor. */
export interface Pool {
  readonly backends: readonly BackendState[];
  cursor: number;
}

export function createPool(backends: readonly BackendState[]): Pool {
  return { backends, cursor: 0 };
}

export function backendKey(b: Pick<Backend, 'id' | 'host' | 'port'>): string {
  return `${b.id}@${b.host}:${b.port}`;
}

export function createBackendState(b: Backend): BackendState {
  return {
    key: backendKey(b),
    id: b.id,
    process: b.process || b.id,
    target: { host: b.host, port: b.port, protocol: 'http:' },
    inflight: 0,
    ejectedUntil: 0,
  };
}

/**
 * Picks the instance for the next attempt: among instances not in `exclude` (those already
 * tried for this request), the one with the fewest outstanding requests, scanning from the
 * pool's rotating cursor so that ties go round-robin. Ejected instances are used only when
 * every remaining one is ejected (ejection is a hint, never the reason for a 503).
 */
export function pickBackend(pool: Pool, now: number, exclude?: readonly BackendState[]): BackendState | undefined {
  const list = pool.backends;
  const n = list.length;
  if (n === 0) return undefined;
  const start = pool.cursor < n ? pool.cursor : 0;
  pool.cursor = start + 1 < n ? start + 1 : 0;
  let best: BackendState | undefined;
  let bestEjected = true;
  for (let i = 0; i < n; i++) {
    const index = start + i < n ? start + i : start + i - n;
    const b = list[index]!;
    if (exclude !== undefined && exclude.includes(b)) continue;
    const ejected = b.ejectedUntil > now;
    if (best === undefined || (bestEjected && !ejected) || (ejected === bestEjected && b.inflight < best.inflight)) {
      best = b;
      bestEjected = ejected;
    }
  }
  return best;
}

export function eject(b: BackendState, now: number, forMs: number): void {
  b.ejectedUntil = now + forMs;
}

export function isEjected(b: BackendState, now: number): boolean {
  return b.ejectedUntil > now;
}

/**
 * The backend states of the whole table, by key, so that an instance keeps its outstanding
 * count and ejection across table updates and is shared by all hostnames that route to it.
 */
export class BackendRegistry {
  private states = new Map<string, BackendState>();

  obtain(b: Backend): BackendState {
    const key = backendKey(b);
    let state = this.states.get(key);
    if (state === undefined) {
      state = createBackendState(b);
      this.states.set(key, state);
    }
    return state;
  }

  get size(): number {
    return this.states.size;
  }

  /** Forgets the states no pool refers to any more. */
  retainOnly(pools: Iterable<Pool>): void {
    const live = new Map<string, BackendState>();
    for (const pool of pools) for (const b of pool.backends) live.set(b.key, b);
    this.states = live;
  }
}

/** Gives a request's instance back (one outstanding request fewer). Idempotent. */
export function releaseBackend(req: { backend: BackendState | undefined }): void {
  const b = req.backend;
  if (b !== undefined) {
    b.inflight--;
    req.backend = undefined;
  }
}
