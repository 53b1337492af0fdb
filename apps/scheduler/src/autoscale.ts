/**
 * The autoscaler: every 10 s (leader), each autoscaled process type's metric over the window,
 * core's decide(), and when the count should change, control's applyScale plus a line in the
 * app's log (source autoscale): "web 2 -> 4: p95 640 ms > 300 ms over 60 s".
 *
 *   FormationEntry.autoscale ─┐
 *   router buckets (p95, req/s) / agents' CPU per instance ─┼─▶ decide ─▶ applyScale ─▶ wake ─▶ placement
 *   recent recommendations (Redis, per type) ────────────────┘      └─▶ log line, AutoscaleEvent
 *
 * Only completed 10 s buckets count (the current one is partial), and only those after the type
 * last woke up (ps:sleep); no decision while its instances are still starting. A bucket in which the router
 * saw no request is an idle one (p95 0, 0 req/s: load that ended lets the type scale down); a
 * bucket without a CPU sample of the type's instances has no data. Recommendations are kept in
 * Redis for the stabilization window, so a new leader goes on with the same history.
 */
import { decide, type AutoscaleMetric, type AutoscalePolicy, type MetricSample, type Recommendation } from '@gantry/core';
import { applyScale, AUTOSCALED, policyOf, type Ctx } from '@gantry/control';
import { latencySummary, METRICS_BUCKET_MS, windowBuckets, type AllocationStore, type AppLogs, type Keys, type MetricsStore } from '@gantry/live';
import type { Logger } from '@gantry/log';
import type { Redis } from 'ioredis';
import { describeError } from './describe-error';

export const AUTOSCALE_TICK_MS = 10_000;

export interface AutoscalerDeps {
  ctx: Ctx;
  metrics: Pick<MetricsStore, 'routerSeries' | 'cpuByInstance'>;
  allocs: Pick<AllocationStore, 'ofApp' | 'states'>;
  logs: Pick<AppLogs, 'append'>;
  redis: Redis;
  keys: Pick<Keys, 'prefix'>;
  log: Logger;
  windowMs: number;
  stabilizationMs: number;
}

export interface AutoscaleOutcome {
  app: string;
  type: string;
  from: number;
  to: number;
  reason: string;
}

export class Autoscaler {
  constructor(private readonly deps: AutoscalerDeps) {}

  private recentKey = (appId: string, type: string) => `${this.deps.keys.prefix}autoscale:recent:${appId}:${type}`;

  /** One pass over every autoscaled type; one type's failure never stops the others. */
  async tick(now = Date.now()): Promise<AutoscaleOutcome[]> {
    const { ctx, log } = this.deps;
    const entries = await ctx.db.formationEntry.findMany({ where: { ...AUTOSCALED, sleepingSince: null }, include: { app: { select: { name: true, kind: true } } } });
    const out: AutoscaleOutcome[] = [];
    for (const e of entries) {
      const policy = policyOf(e);
      if (!policy || e.app.kind === 'addon') continue;
      try {
        const changed = await this.decideOne(e.appId, e.app.name, e.type, e.quantity, policy, now, e.awakeSince?.getTime() ?? 0);
        if (changed) out.push(changed);
      } catch (err) {
        log.error(`autoscale: ${e.app.name} ${e.type}: ${describeError(err)}`);
      }
    }
    return out;
  }

  private async decideOne(appId: string, app: string, type: string, current: number, policy: AutoscalePolicy, now: number, awakeSince: number): Promise<AutoscaleOutcome | null> {
    const { windowMs, stabilizationMs } = this.deps;
    // While instances of the type are still starting, what it serves says nothing of the count
    // it will have: wait for them (else one saturated window doubles the count twice).
    if (await this.starting(appId, type)) return null;
    // Buckets from before the type last woke up count as missing: the requests held while it
    // woke would read as slow ones. (Those from before the last scale change do count: dropping
    // them made a load step wait a whole window between doublings, 20 s more of saturation, for
    // the one doubling too many they save.)
    const samples = (await this.samples(appId, type, policy.metric, now)).map((b) => (b.at < awakeSince ? { at: b.at, value: null } : b));
    const key = this.recentKey(appId, type);
    const recent = (await this.deps.redis.lrange(key, 0, -1)).map((r) => JSON.parse(r) as Recommendation);
    // p95: how far to scale down follows the request rate against its peak (core's decide).
    const rates = policy.metric === 'p95' ? await this.requestRates(appId, now, awakeSince) : undefined;
    const d = decide({ policy, current, samples, now, recent, windowMs, stabilizationMs, rates });
    // Keep the stabilization window's recommendations (a few dozen at one per tick).
    await this.deps.redis
      .multi()
      .rpush(key, JSON.stringify({ at: now, desired: d.recommended }))
      .ltrim(key, -Math.ceil(stabilizationMs / AUTOSCALE_TICK_MS) - 2, -1)
      .pexpire(key, stabilizationMs * 2)
      .exec();
    if (d.desired === current) return null;
    const applied = await applyScale(this.deps.ctx, { appId, type, from: current, to: d.desired, metric: policy.metric, observed: d.observed, target: policy.target, reason: d.reason });
    if (!applied) return null;
    const line = `${type} ${current} -> ${d.desired}: ${d.reason}`;
    await this.deps.logs.append(appId, [{ source: 'autoscale', process: 'autoscaler', line }]);
    this.deps.log.info(`autoscale: ${app} ${line}`);
    return { app, type, from: current, to: d.desired, reason: d.reason };
  }

  /** Whether an instance of the type that should run is not healthy yet (placed or booting). */
  private async starting(appId: string, type: string): Promise<boolean> {
    const mine = (await this.deps.allocs.ofApp(appId)).filter((a) => a.type === type && a.desired === 'run');
    const states = await this.deps.allocs.states(mine.map((a) => a.id));
    return mine.some((a) => {
      const status = states.get(a.id)?.status;
      return status === undefined || status === 'pending' || status === 'starting';
    });
  }

  /** Requests per second per completed bucket over the stabilization window (none before the last wake). */
  private async requestRates(appId: string, now: number, awakeSince: number): Promise<MetricSample[]> {
    const buckets = windowBuckets(now - METRICS_BUCKET_MS, Math.max(this.deps.windowMs, this.deps.stabilizationMs));
    const series = await this.deps.metrics.routerSeries(appId, buckets);
    return series.map((b) => ({ at: b.at, value: b.at < awakeSince ? null : b.requests / (METRICS_BUCKET_MS / 1000) }));
  }

  /** The metric per completed bucket of the window, oldest first. */
  private async samples(appId: string, type: string, metric: AutoscaleMetric, now: number): Promise<MetricSample[]> {
    const buckets = windowBuckets(now - METRICS_BUCKET_MS, this.deps.windowMs);
    if (metric === 'cpu') {
      const ids = new Set((await this.deps.allocs.ofApp(appId)).filter((a) => a.type === type).map((a) => a.id));
      const rows = await this.deps.metrics.cpuByInstance(appId, buckets);
      return buckets.map((at, i) => {
        const mine = [...rows[i]!.entries()].filter(([id]) => ids.has(id)).map(([, v]) => v);
        return { at, value: mine.length ? mine.reduce((a, b) => a + b, 0) / mine.length : null };
      });
    }
    const series = await this.deps.metrics.routerSeries(appId, buckets);
    return series.map((b) => ({
      at: b.at,
      value: metric === 'rps' ? b.requests / (METRICS_BUCKET_MS / 1000) : b.requests === 0 ? 0 : latencySummary(b.histogram, b.requests, b.latencySumMs).p95,
    }));
  }
}
