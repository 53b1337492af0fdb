import type { Constraint, HostView, PlacedUnit, PlacementRequest } from './types';

/**
 * The cluster as placement reads it: one slot per host, in flat numeric arrays, so the hot loop
 * (hosts x filters x rankers, millions of times per pass) reads numbers and never allocates.
 *
 * Hosts are kept sorted by name (then id), so a host's index is also its tie-break rank:
 * iterating 0..size-1 visits hosts in a stable, input-order-independent order.
 */
export class ClusterState {
  readonly hosts: readonly HostView[];
  readonly size: number;
  /** 1 when the host is up / draining. */
  readonly up: Uint8Array;
  readonly draining: Uint8Array;
  readonly capMemory: Float64Array;
  readonly capCpu: Float64Array;
  /** Capacity minus the resources of the units placed on the host (may go negative if overcommitted). */
  readonly freeMemory: Float64Array;
  readonly freeCpu: Float64Array;
  private readonly indexById = new Map<string, number>();
  private readonly labels = new Map<string, LabelColumn>();
  /** app + process type -> instances per host. */
  private readonly counts = new Map<string, Int32Array>();
  /** Read by queries for an app + type with nothing placed yet. */
  private readonly noCounts: Int32Array;

  constructor(hosts: readonly HostView[], placed: readonly PlacedUnit[]) {
    this.hosts = [...hosts].sort(byNameThenId);
    const n = (this.size = this.hosts.length);
    this.up = new Uint8Array(n);
    this.draining = new Uint8Array(n);
    this.capMemory = new Float64Array(n);
    this.capCpu = new Float64Array(n);
    this.freeMemory = new Float64Array(n);
    this.freeCpu = new Float64Array(n);
    this.noCounts = new Int32Array(n);
    this.hosts.forEach((host, h) => {
      if (this.indexById.has(host.id)) throw new Error(`duplicate host id ${host.id}`);
      this.indexById.set(host.id, h);
      this.up[h] = host.up ? 1 : 0;
      this.draining[h] = host.draining ? 1 : 0;
      this.capMemory[h] = this.freeMemory[h] = host.capacity.memoryBytes;
      this.capCpu[h] = this.freeCpu[h] = host.capacity.cpuShares;
      for (const [label, value] of Object.entries(host.labels)) this.labelColumn(label).set(h, value);
    });
    for (const unit of placed) this.add(unit);
  }

  /** The host's index, or -1 for a host this state does not know. */
  indexOf(hostId: string): number {
    return this.indexById.get(hostId) ?? -1;
  }

  /** Precomputes what the hot loop needs to know about a request. */
  query(req: PlacementRequest): PlacementQuery {
    return {
      request: req,
      memoryBytes: req.resources.memoryBytes,
      cpuShares: req.resources.cpuShares,
      constraints: req.constraints.map((c) => this.compile(c)),
      sameCount: this.counts.get(countKey(req.appId, req.type)) ?? this.noCounts,
      fewestSame: 0,
    };
  }

  /** Counts a unit on its host (a unit on an unknown host is ignored: that host is gone). */
  add(unit: PlacedUnit): void {
    const h = this.indexOf(unit.hostId);
    if (h < 0) return;
    this.freeMemory[h]! -= unit.resources.memoryBytes;
    this.freeCpu[h]! -= unit.resources.cpuShares;
    const key = countKey(unit.appId, unit.type);
    let counts = this.counts.get(key);
    if (!counts) this.counts.set(key, (counts = new Int32Array(this.size)));
    counts[h]!++;
  }

  /** The reverse of add: the unit's resources count as free again. */
  remove(unit: PlacedUnit): void {
    const h = this.indexOf(unit.hostId);
    const counts = this.counts.get(countKey(unit.appId, unit.type));
    if (h < 0 || !counts || counts[h] === 0) return;
    counts[h]!--;
    this.freeMemory[h]! += unit.resources.memoryBytes;
    this.freeCpu[h]! += unit.resources.cpuShares;
  }

  private compile(c: Constraint): CompiledConstraint {
    const column = this.labels.get(c.label);
    return { ...c, values: column?.values ?? null, valueId: column?.idOf(c.value) ?? UNSEEN };
  }

  private labelColumn(label: string): LabelColumn {
    let column = this.labels.get(label);
    if (!column) this.labels.set(label, (column = new LabelColumn(this.size)));
    return column;
  }
}

/** A request with everything the hot loop reads precomputed. */
export interface PlacementQuery {
  readonly request: PlacementRequest;
  readonly memoryBytes: number;
  readonly cpuShares: number;
  readonly constraints: readonly CompiledConstraint[];
  /** Instances of the request's app and process type per host index. */
  readonly sameCount: Int32Array;
  /** The fewest sameCount among the feasible hosts; set by the placer after filtering, read by spread. */
  fewestSame: number;
}

/** A constraint resolved against the label columns: integer comparisons only. */
export interface CompiledConstraint extends Constraint {
  /** Value id of the label per host (NO_LABEL where absent), or null when no host has the label. */
  readonly values: Int32Array | null;
  /** Id of the constraint's value, or UNSEEN when no host has that value. */
  readonly valueId: number;
}

export const NO_LABEL = -1;
const UNSEEN = -2;

/** One label across all hosts, values interned to small integers. */
class LabelColumn {
  readonly values: Int32Array;
  private readonly ids = new Map<string, number>();

  constructor(size: number) {
    this.values = new Int32Array(size).fill(NO_LABEL);
  }

  set(h: number, value: string): void {
    let id = this.ids.get(value);
    if (id === undefined) this.ids.set(value, (id = this.ids.size));
    this.values[h] = id;
  }

  idOf(value: string): number {
    return this.ids.get(value) ?? UNSEEN;
  }
}

const countKey = (appId: string, type: string) => `${appId}\u0000${type}`;

function byNameThenId(a: HostView, b: HostView): number {
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
