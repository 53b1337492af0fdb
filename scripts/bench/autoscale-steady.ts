/**
 * bench:autoscale (b): a steady load of 100 req/s (2.5 instances' worth of the saturating fixture)
 * from one instance; once the count has settled (no scale event for a window plus 20 s, and the
 * p95 of recent answers under the target), the scale events of the next `seconds` are counted.
 * The goal is none: a steady load should not move the count.
 */
import type { SteadyFigures } from './autoscale-figures';
import { SERVICE_MS, type AutoscaleBench } from './autoscale-setup';
import { eventsSince, instances, LOAD_TIMEOUT_MS, POLICY, progress, recentP95, sleep, TARGET_MS } from './autoscale-watch';
import { windowP95 } from './latency';
import { OpenLoad } from './open-load';

const APP = 'as-steady';
const RATE = 100;
const SETTLE_DEADLINE_MS = 10 * 60_000;

export async function measureSteady(b: AutoscaleBench, seconds: number): Promise<SteadyFigures> {
  const quietMs = b.config.GANTRY_AUTOSCALE_WINDOW + 20_000;
  console.log(`(b) steady load: ${APP}, ${RATE} req/s; settled after ${quietMs / 1000} s without a scale event, then ${seconds} s counted`);
  await b.deploy(APP);
  await b.client.setAutoscale(APP, 'web', POLICY);
  const load = new OpenLoad({ port: b.config.GANTRY_ROUTER_PORT, host: b.hostOf(APP), timeoutMs: LOAD_TIMEOUT_MS }, RATE);
  const startAt = performance.now();
  const startWall = Date.now();
  let countedAt = 0;
  let countedWall = 0;
  let settledAt = 0;
  try {
    for (;;) {
      await sleep(5000);
      await progress(b, APP, load, startAt);
      const events = await eventsSince(b, APP, startWall);
      const quietSince = Math.max(startWall, ...events.map((e) => startWall + e.afterMs));
      const p95 = recentP95(load, 10_000);
      if (Date.now() - quietSince >= quietMs && p95 !== null && p95 < TARGET_MS) break;
      if (performance.now() - startAt > SETTLE_DEADLINE_MS) throw new Error(`the count did not settle within ${SETTLE_DEADLINE_MS / 60_000} min (events: ${events.map((e) => `${e.from}->${e.to}`).join(', ')})`);
    }
    countedAt = performance.now();
    countedWall = Date.now();
    settledAt = (await instances(b, APP)).quantity;
    console.log(`  settled at ${settledAt} instance(s) after ${((countedAt - startAt) / 1000).toFixed(1)} s; counting scale events for ${seconds} s`);
    while (performance.now() - countedAt < seconds * 1000) {
      await sleep(Math.min(15_000, Math.max(0, seconds * 1000 - (performance.now() - countedAt))));
      await progress(b, APP, load, countedAt);
    }
  } finally {
    await load.stop();
  }
  const endAt = countedAt + seconds * 1000;
  const events = (await eventsSince(b, APP, countedWall)).filter((e) => e.afterMs <= seconds * 1000);
  const counted = load.samples.filter((s) => s.at >= countedAt && s.at < endAt);
  await b.client.destroyApp(APP, APP);
  return {
    rate: RATE,
    perInstance: Math.round(1000 / SERVICE_MS),
    targetMs: TARGET_MS,
    settleMs: countedAt - startAt,
    settledAt,
    seconds,
    events,
    p95Ms: windowP95(load.samples, countedAt, endAt),
    sent: counted.length,
    unanswered: counted.filter((s) => !s.ok).length,
  };
}
