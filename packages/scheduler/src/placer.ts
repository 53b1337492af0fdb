import { feasibilityChain } from './filters';
import { rankingChain } from './rankers';
import { RejectionLog, summarize } from './report';
import { ClusterState, type PlacementQuery } from './state';
import type { HostScore, HostView, PlacedUnit, PlacementReport, PlacementRequest } from './types';

/** Clusters up to this many hosts get every rejection in their reports. */
export const DEFAULT_DETAIL_LIMIT = 32;
/** Feasible hosts a report scores, best first. */
export const TOP_HOSTS = 5;

/**
 * Places instances one at a time: feasibility filters -> rankers -> select -> report.
 *
 * Pure: it reads the hosts and the units already placed, and keeps its own running state so
 * that each place() sees the placements before it (and remove() undoes one). The hot loop works
 * on the flat arrays of ClusterState and allocates nothing per host; report objects are built
 * only for the top few hosts and the sampled rejections.
 */
export class Placer {
  private readonly state: ClusterState;
  private readonly filters = feasibilityChain();
  private readonly rankers = rankingChain();
  private readonly keepAllRejections: boolean;
  /** Filters before this index are host-scoped: asked once, in the constructor. */
  private readonly firstRequestFilter: number;
  /** Hosts that pass the host-scoped filters, in name order. */
  private readonly eligible: Int32Array;
  /** The host-scoped rejections, as [filter, host] index pairs, replayed into every report. */
  private readonly hostRejections: [number, number][] = [];
  /** Scratch: indices of the hosts that passed every filter. */
  private readonly feasibleHosts: Int32Array;
  /** Scratch: the best hosts so far and their totals, best first. */
  private readonly topHost = new Int32Array(TOP_HOSTS);
  private readonly topTotal = new Float64Array(TOP_HOSTS);

  constructor(hosts: HostView[], placed: PlacedUnit[], opts: { detailLimit?: number } = {}) {
    this.state = new ClusterState(hosts, placed);
    this.keepAllRejections = this.state.size <= (opts.detailLimit ?? DEFAULT_DETAIL_LIMIT);
    this.feasibleHosts = new Int32Array(this.state.size);
    const split = this.filters.findIndex((filter) => filter.scope !== 'host');
    this.firstRequestFilter = split < 0 ? this.filters.length : split;
    this.eligible = this.hostScopedPass();
  }

  /**
   * Chooses a host for the request, records the placement (so the next place() sees it), and
   * returns the report (chosen null when no host fits). `chosen` is the host's id, for the
   * allocation; the report's rejections and scores name hosts by name, for humans, and the
   * chosen host is always top[0].
   */
  place(req: PlacementRequest): PlacementReport {
    const q = this.state.query(req);
    // Feasibility: which hosts can take it (and why the others cannot).
    const log = new RejectionLog(this.filters, this.keepAllRejections);
    const feasible = this.filter(q, log);
    // Rank the feasible hosts, keeping the best few.
    const ranked = this.rank(q, feasible);
    // Select: the best-ranked host, if any.
    const chosen = ranked > 0 ? this.state.hosts[this.topHost[0]!]! : null;
    // Report, scored before the placement is recorded (so the scores are the ones that decided).
    const top = this.scoreTop(q, ranked);
    const rejectedBy = log.rejectedBy();
    const report: PlacementReport = {
      chosen: chosen?.id ?? null,
      evaluated: this.state.size,
      rejections: log.rejections,
      rejectedBy,
      top,
      summary: summarize(top[0], this.state.size, rejectedBy),
    };
    if (req.volumes?.length) {
      const notes = volumeNotes(req, this.state.hosts);
      if (notes.length) report.notes = notes;
    }
    // Record it, so the next place() sees it.
    if (chosen) this.state.add({ hostId: chosen.id, appId: req.appId, type: req.type, resources: { ...req.resources } });
    return report;
  }

  /** Forgets a unit (e.g. an allocation being stopped in the same pass) so its resources count as free again. */
  remove(unit: PlacedUnit): void {
    this.state.remove(unit);
  }

  /**
   * Asks the host-scoped filters (up? draining?) once per host: their answers cannot change
   * while the Placer lives. Returns the hosts that pass, and records the others for replay.
   */
  private hostScopedPass(): Int32Array {
    const { state, filters } = this;
    const eligible: number[] = [];
    const noRequest = state.query({ appId: '', type: '', index: 0, resources: { memoryBytes: 0, cpuShares: 0 }, constraints: [] });
    hosts: for (let h = 0; h < state.size; h++) {
      for (let f = 0; f < this.firstRequestFilter; f++) {
        if (!filters[f]!.fits(h, noRequest, state)) {
          this.hostRejections.push([f, h]);
          continue hosts;
        }
      }
      eligible.push(h);
    }
    return Int32Array.from(eligible);
  }

  /**
   * Runs the eligible hosts through the rest of the chain; leaves the feasible ones in
   * feasibleHosts (in name order) and returns their count.
   */
  private filter(q: PlacementQuery, log: RejectionLog): number {
    const { state, filters, eligible, feasibleHosts, firstRequestFilter } = this;
    for (const [f, h] of this.hostRejections) log.reject(f, h, q, state);
    let count = 0;
    let fewest = Infinity;
    hosts: for (let i = 0; i < eligible.length; i++) {
      const h = eligible[i]!;
      for (let f = firstRequestFilter; f < filters.length; f++) {
        if (!filters[f]!.fits(h, q, state)) {
          log.reject(f, h, q, state);
          continue hosts;
        }
      }
      feasibleHosts[count++] = h;
      if (q.sameCount[h]! < fewest) fewest = q.sameCount[h]!;
    }
    q.fewestSame = count > 0 ? fewest : 0;
    return count;
  }

  /**
   * Totals every feasible host and keeps the best TOP_HOSTS in topHost/topTotal, best first.
   * Hosts are visited in name order and only a strictly higher total moves a host up, so equal
   * totals go to the first host by name. Returns how many were kept.
   */
  private rank(q: PlacementQuery, feasible: number): number {
    const { feasibleHosts, topHost, topTotal } = this;
    let kept = 0;
    for (let i = 0; i < feasible; i++) {
      const h = feasibleHosts[i]!;
      const total = this.total(h, q);
      if (kept === TOP_HOSTS && !(total > topTotal[TOP_HOSTS - 1]!)) continue;
      let j = kept < TOP_HOSTS ? kept++ : TOP_HOSTS - 1;
      for (; j > 0 && total > topTotal[j - 1]!; j--) {
        topTotal[j] = topTotal[j - 1]!;
        topHost[j] = topHost[j - 1]!;
      }
      topTotal[j] = total;
      topHost[j] = h;
    }
    return kept;
  }

  private total(h: number, q: PlacementQuery): number {
    let total = 0;
    for (let r = 0; r < this.rankers.length; r++) {
      const ranker = this.rankers[r]!;
      total += ranker.weight * ranker.score(h, q, this.state);
    }
    return total;
  }

  /** The report's view of the kept hosts: each ranker's score and the total. */
  private scoreTop(q: PlacementQuery, kept: number): HostScore[] {
    const top: HostScore[] = [];
    for (let j = 0; j < kept; j++) {
      const h = this.topHost[j]!;
      const scores: Record<string, number> = {};
      for (const ranker of this.rankers) scores[ranker.name] = ranker.score(h, q, this.state);
      top.push({ host: this.state.hosts[h]!.name, scores, total: this.topTotal[j]! });
    }
    return top;
  }
}

/** Why a type that mounts volumes can only go where they live (said even when no other host was rejected). */
function volumeNotes(req: PlacementRequest, hosts: readonly HostView[]): string[] {
  const name = (id: string | null | undefined) => hosts.find((h) => h.id === id)?.name ?? 'a host that is gone';
  return req.volumes!.filter((v) => v.hostId !== null || v.movingTo).map((v) =>
    v.movingTo ? `volume ${v.name} is moving to ${name(v.movingTo)}: ${req.type} runs nowhere until its data is there` : `volume ${v.name} lives on ${name(v.hostId)}: ${req.type} runs there only`,
  );
}
