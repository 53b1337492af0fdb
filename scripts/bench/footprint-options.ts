/**
 * bench:footprint's settings from the environment, checked once at start (a bad value fails before
 * anything starts). Pure.
 *   GANTRY_BENCH_FOOTPRINT_APPS      apps deployed before the idle samples (default 20, 0 to 200)
 *   GANTRY_BENCH_FOOTPRINT_FIXTURE   static-site (default: the smallest app) or node-app (Express, npm install)
 *   GANTRY_BENCH_FOOTPRINT_SETTLE    seconds left idle after the last deploy before sampling (default 30, 0 to 600)
 *   GANTRY_BENCH_FOOTPRINT_IDLE      seconds over which the idle samples are taken, one every 3 s (default 30, 6 to 600)
 */
export const FIXTURES = {
  'static-site': 'Hello from a static site',
  'node-app': '"dyno":"web.1"',
} as const;
export type FootprintFixture = keyof typeof FIXTURES;

export interface FootprintBenchOptions {
  apps: number;
  fixture: FootprintFixture;
  /** What the fixture's first 200 holds. */
  expect: string;
  settleSeconds: number;
  idleSeconds: number;
}

function whole(env: Record<string, string | undefined>, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || n < min || n > max) throw new Error(`${name} must be a whole number from ${min} to ${max}, not ${JSON.stringify(raw)}`);
  return n;
}

export function footprintBenchOptions(env: Record<string, string | undefined>): FootprintBenchOptions {
  const fixture = env.GANTRY_BENCH_FOOTPRINT_FIXTURE || 'static-site';
  if (!(fixture in FIXTURES)) throw new Error(`GANTRY_BENCH_FOOTPRINT_FIXTURE must be one of ${Object.keys(FIXTURES).join(', ')}, not ${JSON.stringify(fixture)}`);
  return {
    apps: whole(env, 'GANTRY_BENCH_FOOTPRINT_APPS', 20, 0, 200),
    fixture: fixture as FootprintFixture,
    expect: FIXTURES[fixture as FootprintFixture],
    settleSeconds: whole(env, 'GANTRY_BENCH_FOOTPRINT_SETTLE', 30, 0, 600),
    idleSeconds: whole(env, 'GANTRY_BENCH_FOOTPRINT_IDLE', 30, 6, 600),
  };
}
