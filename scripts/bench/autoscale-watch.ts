/** What the load parts of bench:autoscale share: the policy, a progress line while a load runs, and the app's scale events since a moment. */
import type { AutoscalePolicyView } from '@gantry/api-client';
import type { TimedEvent } from './autoscale-figures';
import type { AutoscaleBench } from './autoscale-setup';
import { quantile } from './latency';
import type { OpenLoad } from './open-load';

export const TARGET_MS = 250;
export const POLICY: AutoscalePolicyView = { min: 1, max: 8, metric: 'p95', target: TARGET_MS };
/** Requests unanswered by then are given up: the router's own first-byte timeout (H12). */
export const LOAD_TIMEOUT_MS = 30_000;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The web type's count and its instances that are up. */
export async function instances(b: AutoscaleBench, app: string): Promise<{ quantity: number; up: number }> {
  const [scale, ps] = await Promise.all([b.client.autoscale(app), b.client.ps(app)]);
  return { quantity: scale.find((r) => r.type === 'web')?.quantity ?? 0, up: ps.filter((i) => i.process.startsWith('web.') && i.state === 'up').length };
}

/** The p95 of the answers that arrived in the last `ms` (live, by arrival; the figures use send time). */
export function recentP95(load: OpenLoad, ms: number): number | null {
  const now = performance.now();
  return quantile(load.samples.filter((s) => s.at + s.ms >= now - ms).map((s) => (s.ok ? s.ms : Infinity)), 0.95);
}

/** "  +35 s  instances 2 (1 up)  p95 of answers in the last 5 s 4210 ms  in flight 312" */
export async function progress(b: AutoscaleBench, app: string, load: OpenLoad, since: number): Promise<number> {
  const { quantity, up } = await instances(b, app);
  const p95 = recentP95(load, 5000);
  const shown = p95 === null ? '-' : p95 === Infinity ? 'failures' : `${Math.round(p95)} ms`;
  console.log(`  +${Math.round((performance.now() - since) / 1000)} s  instances ${quantity} (${up} up)  p95 of answers in the last 5 s ${shown}  in flight ${load.inflight}`);
  return quantity;
}

/** The app's scale events since `sinceWall` (Date.now()), oldest first, timed from then. */
export async function eventsSince(b: AutoscaleBench, app: string, sinceWall: number): Promise<TimedEvent[]> {
  return (await b.client.autoscaleEvents(app, 200))
    .map((e) => ({ from: e.from, to: e.to, afterMs: Date.parse(e.createdAt) - sinceWall, reason: e.reason }))
    .filter((e) => e.afterMs >= 0)
    .reverse();
}
