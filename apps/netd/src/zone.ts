/**
 * Private names: which records a querier gets for a name. Pure apart from the rotation counters
 * it keeps. A querier sees only its own team's zone (found by its address on the apps bridge);
 * records on hosts that are down are left out; each answer starts one record further on.
 */
import type { NetdState } from './state';

export type Lookup =
  /** Not a private name: forward it. */
  | { kind: 'forward' }
  /** No such name for this querier (unknown name, another team's, or a stranger asking). */
  | { kind: 'nxdomain' }
  /** The name exists: these addresses (possibly none: all down, or scaled to zero). */
  | { kind: 'records'; ips: string[] };

/** "Web.Shop.Internal." -> "web.shop.internal". */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

export function isPrivateName(name: string): boolean {
  return name === 'internal' || name.endsWith('.internal');
}

export class Zones {
  private state: NetdState;
  private readonly turns = new Map<string, number>();
  /** Queriers not in the state yet, waiting for the state that names them (see waitForClient). */
  private readonly waiting = new Map<string, (() => void)[]>();

  constructor(state: NetdState) {
    this.state = state;
  }

  get version(): number {
    return this.state.version;
  }

  /** Replaces the whole state unless it is older than the current one; says whether it did. */
  replace(next: NetdState): boolean {
    if (next.version < this.state.version) return false;
    this.state = next;
    for (const [ip, wake] of this.waiting) {
      if (!Object.hasOwn(next.clients, ip)) continue;
      this.waiting.delete(ip);
      for (const w of wake) w();
    }
    // Counters of names that no longer exist would pile up: keep only the live ones.
    for (const key of this.turns.keys()) {
      const [team, name] = key.split('\n') as [string, string];
      if (!next.zones[team]?.[name]) this.turns.delete(key);
    }
    return true;
  }

  /** Whether the querier at this address is one of the state's containers. */
  knows(clientIp: string): boolean {
    return Object.hasOwn(this.state.clients, clientIp);
  }

  /**
   * Waits (up to `ms`) for a state that names the querier: a container that asks right after it
   * started (psql in a one-off) may be faster than its agent's push of the new state.
   */
  waitForClient(clientIp: string, ms: number): Promise<boolean> {
    if (this.knows(clientIp)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        const list = this.waiting.get(clientIp)?.filter((w) => w !== wake) ?? [];
        if (list.length) this.waiting.set(clientIp, list);
        else this.waiting.delete(clientIp);
        resolve(false);
      }, ms);
      this.waiting.set(clientIp, [...(this.waiting.get(clientIp) ?? []), wake]);
    });
  }

  lookup(clientIp: string, rawName: string, down: ReadonlySet<string>): Lookup {
    const name = normalizeName(rawName);
    if (!isPrivateName(name)) return { kind: 'forward' };
    const team = Object.hasOwn(this.state.clients, clientIp) ? this.state.clients[clientIp]! : undefined;
    const zone = team !== undefined && Object.hasOwn(this.state.zones, team) ? this.state.zones[team]! : undefined;
    const records = zone && Object.hasOwn(zone, name) ? zone[name]! : undefined;
    if (!records) return { kind: 'nxdomain' };
    const up = records.filter((r) => !down.has(r.host)).map((r) => r.ip);
    if (up.length < 2) return { kind: 'records', ips: up };
    const key = `${team}\n${name}`;
    const turn = this.turns.get(key) ?? 0;
    this.turns.set(key, (turn + 1) % 1_000_000);
    const start = turn % up.length;
    return { kind: 'records', ips: [...up.slice(start), ...up.slice(0, start)] };
  }
}
