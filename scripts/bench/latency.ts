/**
 * Latency figures of an open-loop load (open-load.ts), computed after the fact from its samples.
 * Pure. A request that failed (timeout, refused, non-200) counts as slower than any target: a
 * user who got no answer was not served in time.
 *
 *   samples (sent at, ms, ok) ─▶ windowP95(from, to) ─▶ recoveredAt(step, target, hold)
 */

/** One request of the load: when it was sent (ms, any clock), how long until its answer, and whether it was a 200. */
export interface LatencySample {
  at: number;
  ms: number;
  ok: boolean;
}

/** The q-quantile (0..1) of `values` by nearest rank; null when there are none. */
export function quantile(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1]!;
}

const effective = (s: LatencySample) => (s.ok ? s.ms : Infinity);

/** The p95 of the requests sent in [from, to), failures counted as Infinity; null when none were sent. */
export function windowP95(samples: readonly LatencySample[], from: number, to: number): number | null {
  return quantile(samples.filter((s) => s.at >= from && s.at < to).map(effective), 0.95);
}

export interface RecoveryOptions {
  /** When the load step started. */
  stepAt: number;
  /** The p95 to be back under (ms). */
  targetMs: number;
  /** The rolling window the p95 is taken over (ms). */
  windowMs: number;
  /** How long it must then stay under the target (ms), so that one lucky window does not count. */
  holdMs: number;
  /** The last send time the samples cover (windows must end by then). */
  until: number;
  /** How far the window moves per check (ms), default 1000. */
  stepMs?: number;
}

/**
 * How long after the step's start the rolling p95 was back under the target for good: the
 * earliest end T of a window (T >= stepAt + windowMs, so that the window holds only the step's
 * load) whose p95 and those of every window ending in [T, T + holdMs] are under the target, as
 * T - stepAt; null when that never happened before `until`.
 */
export function recoveredAfter(samples: readonly LatencySample[], o: RecoveryOptions): number | null {
  const step = o.stepMs ?? 1000;
  const under = (end: number) => {
    const p = windowP95(samples, end - o.windowMs, end);
    return p !== null && p < o.targetMs;
  };
  for (let t = o.stepAt + o.windowMs; t + o.holdMs <= o.until; t += step) {
    let held = true;
    for (let u = t; u <= t + o.holdMs; u += step) {
      if (!under(u)) {
        held = false;
        t = u; // no window ending before u can hold either
        break;
      }
    }
    if (held) return t - o.stepAt;
  }
  return null;
}
