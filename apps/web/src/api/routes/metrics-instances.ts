import { appMetrics, parseMetricsWindow } from '@gantry/control';
import { METRICS_BUCKET_MS, MetricsStore, windowBuckets } from '@gantry/live';
import type { Router } from '../../http/router';
import { sendJson } from '../../http/respond';
import { actorFor } from '../auth';
import type { ApiDeps } from '../deps';

export interface InstanceSeriesView {
  bucketSeconds: number;
  /** Start of each bucket, oldest first. */
  times: string[];
  /** One entry per instance seen in the window: CPU % and memory bytes per bucket (null: no sample). */
  instances: { id: string; process: string; cpuPercent: (number | null)[]; memUsed: (number | null)[] }[];
}

/**
 * Per-instance usage from the buckets' hashes (fields cpu:<allocId> and mem:<allocId>), named by
 * process where the instance is still known.
 */
export function instanceSeries(buckets: readonly number[], rows: readonly Record<string, string>[], names: ReadonlyMap<string, string>): InstanceSeriesView {
  const byId = new Map<string, { cpuPercent: (number | null)[]; memUsed: (number | null)[] }>();
  rows.forEach((row, i) => {
    for (const [field, value] of Object.entries(row)) {
      const [kind, id] = [field.slice(0, 4), field.slice(4)];
      if ((kind !== 'cpu:' && kind !== 'mem:') || !id) continue;
      let s = byId.get(id);
      if (!s) byId.set(id, (s = { cpuPercent: Array<number | null>(buckets.length).fill(null), memUsed: Array<number | null>(buckets.length).fill(null) }));
      const n = Number(value);
      if (Number.isFinite(n)) (kind === 'cpu:' ? s.cpuPercent : s.memUsed)[i] = n;
    }
  });
  // Instances replaced by a deploy keep their process name: one line per name (their sum where
  // old and new overlapped). Instances gone without a trace are named by their id.
  const byName = new Map<string, { id: string; process: string; cpuPercent: (number | null)[]; memUsed: (number | null)[] }>();
  const add = (a: (number | null)[], b: (number | null)[]) => a.map((v, i) => (v === null ? b[i]! : b[i] === null ? v : v + b[i]!));
  for (const [id, s] of byId) {
    const process = names.get(id) ?? `${id.slice(0, 8)} (gone)`;
    const seen = byName.get(process);
    byName.set(process, seen ? { ...seen, cpuPercent: add(seen.cpuPercent, s.cpuPercent), memUsed: add(seen.memUsed, s.memUsed) } : { id, process, ...s });
  }
  return {
    bucketSeconds: METRICS_BUCKET_MS / 1000,
    times: buckets.map((b) => new Date(b).toISOString()),
    instances: [...byName.values()].sort((a, b) => a.process.localeCompare(b.process, 'en', { numeric: true })),
  };
}

export function instanceMetricsRoutes(r: Router<ApiDeps>): void {
  /** CPU and memory of each instance per 10 s bucket over the last `window` seconds (as GET /metrics). */
  r.add('GET', '/apps/:app/metrics/instances', async (deps, { req, res, params, query }) => {
    const actor = await actorFor(deps, req);
    const window = parseMetricsWindow(query.get('window'));
    const store = new MetricsStore(deps.redis, deps.keys);
    const { metrics } = await appMetrics(deps.ctx, actor, params.app!, window, {
      appMetrics: async (appId: string, windowMs: number, now = Date.now()) => {
        const buckets = windowBuckets(now, windowMs);
        const pipe = deps.redis.pipeline();
        for (const b of buckets) pipe.hgetall(store.usageKey(appId, b));
        const rows = ((await pipe.exec()) ?? []).map(([, v]) => (v ?? {}) as Record<string, string>);
        const names = new Map((await deps.allocs.ofApp(appId)).map((a) => [a.id, `${a.type}.${a.index}`]));
        for (const s of (await store.instanceSamples(appId, now)).values()) if (!names.has(s.allocId)) names.set(s.allocId, s.process);
        return instanceSeries(buckets, rows, names);
      },
    });
    sendJson(res, 200, metrics);
  });
}
