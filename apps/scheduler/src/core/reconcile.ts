/**
 * reconcile(desired, actual): which instances to start, stop or keep so an app runs exactly its
 * current release's formation. Pure; the control loop and tests drive it with plain data.
 */
export interface DesiredState {
  releaseId: string;
  /** Process type -> quantity (types at 0 may be omitted). */
  quantities: Record<string, number>;
}

export interface ActualInstance {
  id: string;
  releaseId: string;
  type: string;
  index: number;
  /** Docker's view: running (or restarting under its restart policy) vs. stopped for good. */
  alive: boolean;
  createdAt: number;
}

export interface ReconcilePlan {
  start: { type: string; index: number }[];
  stop: ActualInstance[];
  keep: ActualInstance[];
}

export function reconcile(desired: DesiredState | null, actual: ActualInstance[]): ReconcilePlan {
  const plan: ReconcilePlan = { start: [], stop: [], keep: [] };
  const claimed = new Set<string>();
  if (desired) {
    for (const [type, quantity] of Object.entries(desired.quantities).sort(([a], [b]) => a.localeCompare(b))) {
      for (let index = 1; index <= quantity; index++) {
        // Prefer the newest live instance of the current release in this slot.
        const candidate = actual
          .filter((a) => !claimed.has(a.id) && a.alive && a.releaseId === desired.releaseId && a.type === type && a.index === index)
          .sort((a, b) => b.createdAt - a.createdAt)[0];
        if (candidate) {
          claimed.add(candidate.id);
          plan.keep.push(candidate);
        } else plan.start.push({ type, index });
      }
    }
  }
  plan.stop = actual.filter((a) => !claimed.has(a.id));
  return plan;
}
