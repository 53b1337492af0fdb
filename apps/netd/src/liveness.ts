/**
 * Which peer hosts are down, from probe results: down after 2 failures in a row, up again after
 * 1 success. With a probe every 500 ms (400 ms timeout) a cut host leaves the answers in at most
 * about 1.4 s. This host is never down. Pure: the prober (probe.ts) feeds it.
 */
export const FAILURES_TO_DOWN = 2;

export class PeerLiveness {
  private readonly failures = new Map<string, number>();
  private readonly downSet = new Set<string>();

  constructor(private readonly self: string) {}

  /** Keeps the counts of these peers only (the state's peer list changed). */
  setPeers(hostIds: Iterable<string>): void {
    const keep = new Set(hostIds);
    for (const id of this.failures.keys()) {
      if (keep.has(id)) continue;
      this.failures.delete(id);
      this.downSet.delete(id);
    }
  }

  record(hostId: string, ok: boolean): void {
    if (hostId === this.self) return;
    const n = ok ? 0 : (this.failures.get(hostId) ?? 0) + 1;
    this.failures.set(hostId, n);
    if (n >= FAILURES_TO_DOWN) this.downSet.add(hostId);
    else this.downSet.delete(hostId);
  }

  /** The hosts down now (a live view: read it, do not keep it). */
  down(): ReadonlySet<string> {
    return this.downSet;
  }
}
