/**
 * Autoscaling decisions, as one pure function: a process type's policy, its current instance
 * count and the metric over a recent window -> the count it should have and why. The scheduler
 * side (reading the router's and agents' metrics, applying the count) calls it; everything that
 * decides is here, table-tested.
 *
 *   samples (10 s buckets: p95 ms | requests/s | CPU %) ──┐
 *   policy (min, max, metric, target) ────────────────────┼─▶ decide() ─▶ { desired, reason }
 *   current count, recent recommendations (down) ─────────┘
 *
 * Rules (those of Kubernetes' HPA, with Heroku's wording in the reasons):
 * - Never on missing data: too few samples in the window (or none with traffic for p95) -> no change.
 * - Within 10 % of the target -> no change (no flapping around it).
 * - Up at once, by at most doubling (at least +1) per decision, up to max.
 * - Down slowly: the count is the highest recommended over the stabilization window (5 min by
 *   default), so a short dip does not remove instances; at most halving per decision, down to min.
 * - A count outside [min, max] (a policy just changed) goes to the bound at once.
 */

export const AUTOSCALE_METRICS = ['p95', 'rps', 'cpu'] as const;
export type AutoscaleMetric = (typeof AUTOSCALE_METRICS)[number];

export interface AutoscalePolicy {
  min: number;
  max: number;
  metric: AutoscaleMetric;
  /** p95: milliseconds; rps: requests per second per instance; cpu: percent of the instance's share. */
  target: number;
}

/** One 10 s bucket of the metric: p95 ms, total requests/s of the type, or its instances' mean CPU %; null: no data. */
export interface MetricSample {
  at: number;
  value: number | null;
}

/** A recommendation made earlier (for the stabilization of scale-downs). */
export interface Recommendation {
  at: number;
  desired: number;
}

export interface AutoscaleInput {
  policy: AutoscalePolicy;
  current: number;
  /** The window's samples, oldest first. */
  samples: MetricSample[];
  now: number;
  /** Earlier recommendations (newest last); only those within the stabilization window count. */
  recent: Recommendation[];
  /** The window the metric is read over (ms), default 60 s. */
  windowMs?: number;
  /** How long a lower count must be recommended before scaling down (ms), default 5 min. */
  stabilizationMs?: number;
  /**
   * p95 policies: the type's total requests per second per bucket, over the stabilization window.
   * A response time under the target says nothing of how many fewer instances would do, so
   * scaling down follows the traffic instead: the count shrinks as the request rate falls below
   * the peak it had over the window (without it: one instance at a time).
   */
  rates?: MetricSample[];
}

export interface AutoscaleDecision {
  desired: number;
  /** What the count follows from: the metric's value, the recommendation, and why it stays or moves. */
  recommended: number;
  /** The observed value the decision used (null on missing data). */
  observed: number | null;
  reason: string;
}

export const AUTOSCALE_TOLERANCE = 0.1;
export const DEFAULT_AUTOSCALE_WINDOW_MS = 60_000;
export const DEFAULT_STABILIZATION_MS = 5 * 60_000;
/** At least this share of the window's buckets must carry data. */
const MIN_COVERAGE = 0.5;

const UNIT: Record<AutoscaleMetric, (v: number) => string> = {
  p95: (v) => `p95 ${Math.round(v)} ms`,
  rps: (v) => `${round1(v)} req/s per instance`,
  cpu: (v) => `CPU ${Math.round(v)}%`,
};
const round1 = (v: number) => Math.round(v * 10) / 10;

/** Checks a policy; a list of problems (empty when it is valid). */
export function policyProblems(p: AutoscalePolicy): string[] {
  const out: string[] = [];
  // Zero instances is sleeping (ps:sleep), woken by a request: not a count autoscaling picks.
  if (!Number.isInteger(p.min) || p.min < 1) out.push('--min must be a whole number, 1 or more');
  if (!Number.isInteger(p.max) || p.max < 1) out.push('--max must be a whole number, 1 or more');
  if (Number.isInteger(p.min) && Number.isInteger(p.max) && p.min > p.max) out.push(`--min (${p.min}) cannot be above --max (${p.max})`);
  if (!(AUTOSCALE_METRICS as readonly string[]).includes(p.metric)) out.push(`the metric must be one of ${AUTOSCALE_METRICS.join(', ')}`);
  if (!Number.isFinite(p.target) || p.target <= 0) out.push('the target must be a number above 0');
  if (p.metric === 'cpu' && p.target > 100) out.push('a CPU target is a percentage, up to 100');
  return out;
}

/** The metric over the window: the mean of the buckets that carry data, or null when too few do. */
export function observe(samples: MetricSample[], now: number, windowMs: number): number | null {
  const from = now - windowMs;
  const inWindow = samples.filter((s) => s.at >= from && s.at <= now);
  const withData = inWindow.filter((s): s is { at: number; value: number } => s.value !== null && Number.isFinite(s.value));
  const expected = Math.max(1, Math.floor(windowMs / 10_000));
  if (withData.length < Math.ceil(expected * MIN_COVERAGE)) return null;
  return withData.reduce((sum, s) => sum + s.value, 0) / withData.length;
}

export function decide(input: AutoscaleInput): AutoscaleDecision {
  const { policy, current, now } = input;
  const windowMs = input.windowMs ?? DEFAULT_AUTOSCALE_WINDOW_MS;
  const stabilizationMs = input.stabilizationMs ?? DEFAULT_STABILIZATION_MS;
  const clamp = (n: number) => Math.min(policy.max, Math.max(policy.min, n));
  const seconds = Math.round(windowMs / 1000);

  if (current < policy.min) return { desired: policy.min, recommended: policy.min, observed: null, reason: `${current} is below the minimum ${policy.min}` };
  if (current > policy.max) return { desired: policy.max, recommended: policy.max, observed: null, reason: `${current} is above the maximum ${policy.max}` };

  const observed = observe(input.samples, now, windowMs);
  if (observed === null) return { desired: current, recommended: current, observed: null, reason: `not enough ${policy.metric} data over ${seconds} s: no change` };
  // rps is a total: per instance, over the instances that served it.
  const value = policy.metric === 'rps' ? observed / Math.max(1, current) : observed;
  const ratio = value / policy.target;
  const compare = `${UNIT[policy.metric](value)} ${ratio > 1 ? '>' : ratio < 1 ? '<' : '='} ${UNIT[policy.metric](policy.target).replace(/^p95 |^CPU /, '')} over ${seconds} s`;

  if (current === 0) {
    // Nothing serves: only traffic itself says more is needed (a sleeping type wakes elsewhere).
    return { desired: current, recommended: current, observed: value, reason: `no instance to measure: no change` };
  }
  if (Math.abs(ratio - 1) <= AUTOSCALE_TOLERANCE) return { desired: current, recommended: current, observed: value, reason: `${compare}, within ${AUTOSCALE_TOLERANCE * 100}% of the target: no change` };

  let recommended = clamp(Math.ceil(current * ratio));
  let because = compare;
  if (policy.metric === 'p95' && ratio < 1) {
    const down = p95Down(input.rates, current, now, windowMs, stabilizationMs);
    recommended = clamp(down.count);
    because = `${compare}, ${down.why}`;
  }
  if (recommended > current) {
    const desired = Math.min(recommended, clamp(Math.max(current + 1, current * 2)));
    return { desired, recommended, observed: value, reason: because };
  }
  if (recommended === current) {
    const why = ratio > 1 && current === policy.max ? `at the maximum ${current}` : ratio < 1 && current === policy.min ? `at the minimum ${current}` : `${current} instances still needed`;
    return { desired: current, recommended, observed: value, reason: `${because}, ${why}: no change` };
  }

  // Down: the highest count recommended over the stabilization window, at most halving.
  const since = now - stabilizationMs;
  const highest = Math.max(recommended, ...input.recent.filter((r) => r.at >= since).map((r) => r.desired));
  const stable = Math.min(current, highest);
  const desired = Math.max(stable, Math.ceil(current / 2), policy.min);
  if (desired === current) {
    return { desired, recommended, observed: value, reason: `${because}, but ${highest >= current ? `${current} was recommended within ${Math.round(stabilizationMs / 1000)} s` : 'not lower for long enough'}: no change yet` };
  }
  return { desired, recommended, observed: value, reason: because };
}

/**
 * The count a p95 policy recommends when responses are fast: the current count scaled by the
 * request rate now (over the window) against its peak over the stabilization window (the 90th
 * percentile of its buckets: a backlog answered in one burst is no peak of traffic); within the
 * tolerance of the peak, the same count; one less when the rate is unknown.
 */
function p95Down(rates: MetricSample[] | undefined, current: number, now: number, windowMs: number, stabilizationMs: number): { count: number; why: string } {
  const rateNow = rates ? observe(rates, now, windowMs) : null;
  if (rates === undefined || rateNow === null) return { count: current - 1, why: 'request rate unknown, one instance less' };
  const buckets = rates.filter((r) => r.at >= now - stabilizationMs && r.value !== null).map((r) => r.value!);
  const peak = nearestRank(buckets, 0.9);
  if (peak <= 0) return { count: 0, why: `no request over ${Math.round(stabilizationMs / 1000)} s` };
  const raw = Math.min(1, rateNow / peak);
  const share = raw >= 1 - AUTOSCALE_TOLERANCE ? 1 : raw;
  return { count: Math.ceil(current * share), why: `${round1(rateNow)} req/s, ${Math.round(raw * 100)}% of the peak ${round1(peak)} req/s over ${Math.round(stabilizationMs / 1000)} s` };
}

/** The q-quantile of the values by nearest rank (0 for none). */
function nearestRank(values: number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
}
