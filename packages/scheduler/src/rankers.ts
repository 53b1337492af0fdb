import type { ClusterState, PlacementQuery } from './state';

/** A ranker: one score in [0, 1] for a feasible host, higher is better. (Classes, as filters, so V8 inlines them.) */
export interface Ranker {
  readonly name: string;
  /** The score's weight in the host's total. */
  readonly weight: number;
  /** Score of host h (an index into the state) for the request. Must not allocate. */
  score(h: number, q: PlacementQuery, state: ClusterState): number;
}

/**
 * Anti-affinity of replicas: 1 / (1 + n - fewest), n = instances of the request's app and process
 * type on the host, fewest = the least n among the feasible hosts. The least-loaded hosts score
 * 1.00, one instance more 0.50, two more 0.33...
 *
 * Relative to `fewest` rather than the plain 1 / (1 + n): the least-loaded hosts are then always
 * at least 0.5 ahead of every other host, whatever n is, so a fixed weight can make spread decide
 * (with 1 / (1 + n), 3 vs 4 instances differ by 0.05 and a bin-pack difference would win).
 */
class Spread implements Ranker {
  readonly name = 'spread';
  readonly weight = 10;
  score(h: number, q: PlacementQuery): number {
    return 1 / (1 + q.sameCount[h]! - q.fewestSame);
  }
}

/**
 * Bin-packing: how full the host is once the request is on it, memory and CPU utilisation
 * averaged. Fuller hosts score higher, keeping whole hosts free for big instances.
 */
class Binpack implements Ranker {
  readonly name = 'binpack';
  readonly weight = 1;
  score(h: number, q: PlacementQuery, s: ClusterState): number {
    return (utilisation(s.capMemory[h]!, s.freeMemory[h]!, q.memoryBytes) + utilisation(s.capCpu[h]!, s.freeCpu[h]!, q.cpuShares)) / 2;
  }
}

function utilisation(capacity: number, free: number, need: number): number {
  if (capacity <= 0) return 1;
  // Division (not a multiply by 1/capacity): equal ratios give equal floats, so ties stay ties.
  const u = (capacity - free + need) / capacity;
  return u < 0 ? 0 : u > 1 ? 1 : u;
}

export const spreadRanker: Ranker = new Spread();
export const binpackRanker: Ranker = new Binpack();

/**
 * The ranking chain; a host's total is the weighted sum of the scores. Spread dominates: its best
 * hosts lead every other host by >= 0.5 x 10 = 5, more than bin-pack's whole range (1 x 1), so
 * bin-pack only breaks spread ties, and equal totals go to the first host by name.
 */
export function rankingChain(): readonly Ranker[] {
  return [
    // 1. Spread replicas of one process type across hosts (weight 10).
    spreadRanker,
    // 2. Among equally spread hosts, fill the fullest first (weight 1).
    binpackRanker,
  ];
}

export const RANKER_NAMES = ['spread', 'binpack'] as const;
export type RankerName = (typeof RANKER_NAMES)[number];
