/**
 * bench:autoscale (a): a load step on the saturating fixture that needs about four instances. A
 * steady 10 req/s first, then at once 130 req/s (one instance answers ~40); the autoscaler follows
 * the router's p95. Measured by the load generator itself: from the step's start until the p95 of
 * the requests sent in a rolling 5 s window is under the target, and stays under it for 30 s.
 */
import type { StepFigures } from './autoscale-figures';
import { SERVICE_MS, type AutoscaleBench } from './autoscale-setup';
import { eventsSince, LOAD_TIMEOUT_MS, POLICY, progress, sleep, TARGET_MS } from './autoscale-watch';
import { recoveredAfter, windowP95 } from './latency';
import { OpenLoad } from './open-load';

const APP = 'as-step';
const PER_INSTANCE = Math.round(1000 / SERVICE_MS);
const BEFORE = { rate: 10, ms: 20_000 };
/** 3.25 instances' worth: four instances serve it at ~80 % busy, three cannot. */
const STEP_RATE = 130;
const WINDOW_MS = 5000;
const HOLD_MS = 30_000;
/** Gives up on the recovery this long after the step (the figure is then "not within the run"). */
const DEADLINE_MS = 10 * 60_000;

export async function measureStep(b: AutoscaleBench): Promise<StepFigures> {
  console.log(`(a) load step: ${APP}, policy ${POLICY.min}-${POLICY.max} on p95 ${TARGET_MS} ms; ${BEFORE.rate} req/s for ${BEFORE.ms / 1000} s, then ${STEP_RATE} req/s`);
  await b.deploy(APP);
  await b.client.setAutoscale(APP, 'web', POLICY);
  const load = new OpenLoad({ port: b.config.GANTRY_ROUTER_PORT, host: b.hostOf(APP), timeoutMs: LOAD_TIMEOUT_MS }, BEFORE.rate);
  let stepAt = 0;
  let stepWall = 0;
  let recoveredMs: number | null = null;
  let maxSeen = 1;
  try {
    await sleep(BEFORE.ms);
    stepAt = performance.now();
    stepWall = Date.now();
    load.setRate(STEP_RATE);
    while (performance.now() - stepAt < DEADLINE_MS) {
      await sleep(5000);
      maxSeen = Math.max(maxSeen, await progress(b, APP, load, stepAt));
      // Only windows whose requests have all been answered (or given up) can be judged.
      recoveredMs = recoveredAfter(load.samples, { stepAt, targetMs: TARGET_MS, windowMs: WINDOW_MS, holdMs: HOLD_MS, until: performance.now() - LOAD_TIMEOUT_MS });
      if (recoveredMs !== null) break;
    }
  } finally {
    await load.stop();
  }
  const samples = load.samples;
  const events = await eventsSince(b, APP, stepWall);
  const during = samples.filter((s) => s.at >= stepAt);
  let worst: number | null = null;
  const last = Math.max(...during.map((s) => s.at));
  for (let t = stepAt + WINDOW_MS; t <= last; t += 1000) worst = Math.max(worst ?? 0, windowP95(samples, t - WINDOW_MS, t) ?? 0);
  // Its instances would take CPU from the next part.
  await b.client.destroyApp(APP, APP);
  return {
    perInstance: PER_INSTANCE,
    rateBefore: BEFORE.rate,
    rateStep: STEP_RATE,
    targetMs: TARGET_MS,
    recoveredMs,
    windowMs: WINDOW_MS,
    holdMs: HOLD_MS,
    events,
    maxInstances: Math.max(maxSeen, ...events.map((e) => e.to)),
    p95BeforeMs: windowP95(samples, stepAt - BEFORE.ms, stepAt),
    worstP95Ms: worst,
    sent: during.length,
    unanswered: during.filter((s) => !s.ok).length,
  };
}
