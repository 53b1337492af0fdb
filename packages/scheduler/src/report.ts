import type { FeasibilityFilter } from './filters';
import type { ClusterState, PlacementQuery } from './state';
import type { HostScore, Rejection } from './types';

/** Rejections kept per filter once a cluster is larger than the detail limit. */
export const SAMPLES_PER_FILTER = 3;

/**
 * Counts every rejection per filter, and keeps its words only while the report wants them: all
 * of them for a small cluster, the first SAMPLES_PER_FILTER per filter for a large one (so a
 * report on 1,000 hosts stays a few lines, and the reasons are built for those few only).
 */
export class RejectionLog {
  readonly rejections: Rejection[] = [];
  private readonly counts: Int32Array;

  constructor(
    private readonly filters: readonly FeasibilityFilter[],
    private readonly keepAll: boolean,
  ) {
    this.counts = new Int32Array(filters.length);
  }

  /** Host h failed filter f. Kept small so the hot loop inlines it; the words are built in record(). */
  reject(f: number, h: number, q: PlacementQuery, state: ClusterState): void {
    if (this.counts[f]!++ < SAMPLES_PER_FILTER || this.keepAll) this.record(f, h, q, state);
  }

  private record(f: number, h: number, q: PlacementQuery, state: ClusterState): void {
    const filter = this.filters[f]!;
    this.rejections.push({ host: state.hosts[h]!.name, filter: filter.name, reason: filter.reason(h, q, state) });
  }

  /** Count of rejected hosts per filter, in chain order, filters that rejected nothing left out. */
  rejectedBy(): Record<string, number> {
    const out: Record<string, number> = {};
    this.filters.forEach((filter, f) => {
      if (this.counts[f]! > 0) out[filter.name] = this.counts[f]!;
    });
    return out;
  }
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** "1 host rejected: constraints" or "3 hosts rejected (constraints: 2, resources: 1)". */
export function rejectedPhrase(rejectedBy: Record<string, number>): string {
  const entries = Object.entries(rejectedBy);
  const total = entries.reduce((sum, [, n]) => sum + n, 0);
  if (entries.length === 1) return `${plural(total, 'host')} rejected: ${entries[0]![0]}`;
  return `${plural(total, 'host')} rejected (${entries.map(([name, n]) => `${name}: ${n}`).join(', ')})`;
}

/** e.g. "spread 1.00, binpack 0.42". */
export const scoreList = (score: HostScore, sep = ', ') =>
  Object.entries(score.scores)
    .map(([name, value]) => `${name} ${value.toFixed(2)}`)
    .join(sep);

/** The report's one-line summary. */
export function summarize(best: HostScore | undefined, evaluated: number, rejectedBy: Record<string, number>): string {
  const anyRejected = Object.keys(rejectedBy).length > 0;
  if (!best) return `not placed: ${evaluated === 0 ? 'no hosts' : rejectedPhrase(rejectedBy)}`;
  return `placed on ${best.host} (${scoreList(best)})${anyRejected ? `; ${rejectedPhrase(rejectedBy)}` : ''}`;
}
