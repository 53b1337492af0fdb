/**
 * bench:autoscale's settings from the environment, checked once at start (a bad value fails before
 * anything starts). Pure.
 *   GANTRY_BENCH_AUTOSCALE_ONLY   step | steady | wake, or all (default): which parts run
 *   GANTRY_BENCH_STEADY_SECONDS   how long the steady load is counted (default 300, 30 to 3600)
 *   GANTRY_BENCH_WAKE_SAMPLES     wakes and docker starts measured (default 15, 3 to 100)
 */
export const AUTOSCALE_PARTS = ['step', 'steady', 'wake'] as const;
export type AutoscalePart = (typeof AUTOSCALE_PARTS)[number];

export interface AutoscaleBenchOptions {
  parts: AutoscalePart[];
  steadySeconds: number;
  wakeSamples: number;
}

function whole(env: Record<string, string | undefined>, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || n < min || n > max) throw new Error(`${name} must be a whole number from ${min} to ${max}, not ${JSON.stringify(raw)}`);
  return n;
}

export function autoscaleBenchOptions(env: Record<string, string | undefined>): AutoscaleBenchOptions {
  const only = env.GANTRY_BENCH_AUTOSCALE_ONLY ?? 'all';
  if (only !== 'all' && !(AUTOSCALE_PARTS as readonly string[]).includes(only)) {
    throw new Error(`GANTRY_BENCH_AUTOSCALE_ONLY must be one of all, ${AUTOSCALE_PARTS.join(', ')}, not ${JSON.stringify(only)}`);
  }
  return {
    parts: only === 'all' ? [...AUTOSCALE_PARTS] : [only as AutoscalePart],
    steadySeconds: whole(env, 'GANTRY_BENCH_STEADY_SECONDS', 300, 30, 3600),
    wakeSamples: whole(env, 'GANTRY_BENCH_WAKE_SAMPLES', 15, 3, 100),
  };
}
