import type { ClusterState, CompiledConstraint, PlacementQuery } from './state';
import { formatBytes } from './units';

/**
 * A feasibility filter: one yes/no question about one host. The question is split in two so the
 * hot loop never allocates: `fits` answers it with numbers only, and `reason` puts the answer
 * into words, called only for the rejections a report records. `feasible()` joins the two.
 *
 * Filters are classes (one instance each): distinct classes let V8 inline the chain's few
 * `fits` methods into the placer's loop, where object literals of one shape would not be.
 */
export interface FeasibilityFilter {
  readonly name: string;
  /**
   * 'host' when the answer depends on the host alone (not on the request nor on what is placed):
   * the placer then asks once per host when it is built rather than once per placement. Only
   * the chain's leading run of host-scoped filters is treated so.
   */
  readonly scope: 'host' | 'request';
  /** Can host h (an index into the state) take the request? Must not allocate. */
  fits(h: number, q: PlacementQuery, state: ClusterState): boolean;
  /** Why host h cannot; only called when fits() is false. */
  reason(h: number, q: PlacementQuery, state: ClusterState): string;
}

/** null when host h passes the filter, else why not. */
export function feasible(filter: FeasibilityFilter, h: number, q: PlacementQuery, state: ClusterState): string | null {
  return filter.fits(h, q, state) ? null : filter.reason(h, q, state);
}

class HostUp implements FeasibilityFilter {
  readonly name = 'host-up';
  readonly scope = 'host';
  fits(h: number, _q: PlacementQuery, s: ClusterState): boolean {
    return s.up[h] === 1;
  }
  reason(): string {
    return 'host is down';
  }
}

class NotDraining implements FeasibilityFilter {
  readonly name = 'not-draining';
  readonly scope = 'host';
  fits(h: number, _q: PlacementQuery, s: ClusterState): boolean {
    return s.draining[h] === 0;
  }
  reason(): string {
    return 'host is draining';
  }
}

/** label=value needs the label with that value; label!=value holds when the label differs or is absent (as in Nomad). */
class ConstraintsMet implements FeasibilityFilter {
  readonly name = 'constraints';
  readonly scope = 'request';
  fits(h: number, q: PlacementQuery): boolean {
    return firstUnmet(h, q.constraints) === undefined;
  }
  reason(h: number, q: PlacementQuery, s: ClusterState): string {
    const c = firstUnmet(h, q.constraints)!;
    if (c.op === '!=') return `constraint ${c.label}!=${c.value} not met`;
    const labels = s.hosts[h]!.labels;
    const has = Object.hasOwn(labels, c.label) ? `${c.label}=${labels[c.label]}` : `no ${c.label} label`;
    return `constraint ${c.label}=${c.value} not met (host has ${has})`;
  }
}

function firstUnmet(h: number, cs: readonly CompiledConstraint[]): CompiledConstraint | undefined {
  for (let i = 0; i < cs.length; i++) {
    const c = cs[i]!;
    const equal = c.values !== null && c.values[h] === c.valueId;
    if (equal !== (c.op === '=')) return c;
  }
  return undefined;
}

/**
 * A process type that mounts a volume runs where the volume lives: one host id compare per volume.
 * While a volume's data is being copied to another host (movingTo), the type runs nowhere: no
 * writer may change the files between the copy and the switch.
 */
class VolumeHere implements FeasibilityFilter {
  readonly name = 'volume';
  readonly scope = 'request';
  fits(h: number, q: PlacementQuery, s: ClusterState): boolean {
    const volumes = q.request.volumes;
    if (!volumes) return true;
    const id = s.hosts[h]!.id;
    for (let i = 0; i < volumes.length; i++) {
      const v = volumes[i]!;
      if (v.movingTo || (v.hostId !== null && v.hostId !== id)) return false;
    }
    return true;
  }
  reason(h: number, q: PlacementQuery, s: ClusterState): string {
    const name = (hostId: string | null | undefined) => s.hosts.find((x) => x.id === hostId)?.name ?? 'a host that is gone';
    const moving = q.request.volumes!.find((x) => x.movingTo);
    if (moving) return `volume ${moving.name} is moving to ${name(moving.movingTo)}`;
    const id = s.hosts[h]!.id;
    const v = q.request.volumes!.find((x) => x.hostId !== null && x.hostId !== id)!;
    return `volume ${v.name} lives on ${name(v.hostId)}`;
  }
}

/** Free = capacity minus the resources of the units on the host (including this pass's placements). */
class ResourcesFree implements FeasibilityFilter {
  readonly name = 'resources';
  readonly scope = 'request';
  fits(h: number, q: PlacementQuery, s: ClusterState): boolean {
    return s.freeMemory[h]! >= q.memoryBytes && s.freeCpu[h]! >= q.cpuShares;
  }
  reason(h: number, q: PlacementQuery, s: ClusterState): string {
    const short: string[] = [];
    if (s.freeMemory[h]! < q.memoryBytes) short.push(`needs ${formatBytes(q.memoryBytes, 'up')} memory, ${formatBytes(Math.max(0, s.freeMemory[h]!), 'down')} free`);
    if (s.freeCpu[h]! < q.cpuShares) short.push(`needs ${Math.ceil(q.cpuShares)} CPU shares, ${Math.max(0, Math.floor(s.freeCpu[h]!))} free`);
    return short.join('; ');
  }
}

export const hostUpFilter: FeasibilityFilter = new HostUp();
export const notDrainingFilter: FeasibilityFilter = new NotDraining();
export const constraintsFilter: FeasibilityFilter = new ConstraintsMet();
export const volumeFilter: FeasibilityFilter = new VolumeHere();
export const resourcesFilter: FeasibilityFilter = new ResourcesFree();

/**
 * The feasibility chain, cheapest question first; a host leaves the chain at the first filter
 * that rejects it, and that filter is the one the report names.
 */
export function feasibilityChain(): readonly FeasibilityFilter[] {
  return [
    // 1. Is the host's agent heartbeating and its Docker reachable? One byte.
    hostUpFilter,
    // 2. Is the host being emptied by an operator? One byte.
    notDrainingFilter,
    // 3. Does the host carry the labels the process type asks for? An integer compare per constraint.
    constraintsFilter,
    // 4. Does the host hold the volumes the process type mounts? A string compare per volume.
    volumeFilter,
    // 5. Is there room left: memory and CPU shares after the units already there? Two compares.
    resourcesFilter,
  ];
}

export const FILTER_NAMES = ['host-up', 'not-draining', 'constraints', 'volume', 'resources'] as const;
export type FilterName = (typeof FILTER_NAMES)[number];
