/**
 * Metrics as time series in Redis: 10 s buckets kept 24 h (8640 buckets), every key under
 * `gantry:<instance>:metrics:`.
 *
 *   router ──counters per app, flushed every 2 s──▶ HINCRBY  metrics:router:<appId>:<bucket>
 *   agent  ──docker stats every 10 s──▶ HSET metrics:instances:<appId> <allocId> (latest sample)
 *                                      HSET metrics:usage:<appId>:<bucket> cpu:<allocId>, mem:<allocId>
 *   API    ◀── routerSeries / usageSeries / instanceSamples ── summarize (pure) ── percentiles
 *
 * Router buckets are sums (request count, status classes, a fixed-bound latency histogram), so
 * any number of routers add into the same bucket and percentiles come from the merged histogram.
 * Usage buckets hold one field per instance (overwritten), so an instance sampled twice in a
 * bucket is not counted twice.
 *
 * Glossary: bucket = the 10 s slot a time falls in, named by its start (ms since the epoch);
 * window = the last N seconds, as whole buckets ending with the current (partial) one.
 */
import type { Redis } from 'ioredis';
import type { Keys } from './keys';

export const METRICS_BUCKET_MS = 10_000;
export const METRICS_RETENTION_MS = 24 * 60 * 60 * 1000;
export const METRICS_BUCKETS = METRICS_RETENTION_MS / METRICS_BUCKET_MS; // 8640

/**
 * Upper bounds (ms) of the latency histogram's bins, roughly log-spaced from 1 ms to 60 s; one
 * more bin counts what is slower than the last bound.
 */
export const LATENCY_BOUNDS_MS: readonly number[] = [
  1, 1.5, 2, 3, 5, 7, 10, 15, 20, 30, 50, 70, 100, 150, 200, 300, 500, 700, 1000, 1500, 2000, 3000, 5000, 7000, 10_000, 15_000, 20_000, 30_000, 60_000,
];
export const LATENCY_BINS = LATENCY_BOUNDS_MS.length + 1;

export type StatusClass = '2xx' | '3xx' | '4xx' | '5xx';
export const STATUS_CLASSES: readonly StatusClass[] = ['2xx', '3xx', '4xx', '5xx'];

// Layout of a counter array, as the router keeps one per app in memory and as the fields of a
// bucket hash: requests, 2xx..5xx, latency sum (ms), then the histogram bins.
export const C_REQUESTS = 0;
export const C_STATUS = 1; // 2xx at 1 .. 5xx at 4
export const C_LATENCY_SUM = 5;
export const C_HIST = 6;
export const COUNTER_SLOTS = C_HIST + LATENCY_BINS;
const FIELD_NAMES = ['n', 's2', 's3', 's4', 's5', 'ms', ...Array.from({ length: LATENCY_BINS }, (_, i) => `h${i}`)];

/** The histogram bin of a latency: the first whose bound is >= ms (binary search, no allocation). */
export function latencyBin(ms: number): number {
  let lo = 0;
  let hi = LATENCY_BOUNDS_MS.length; // the overflow bin
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ms <= LATENCY_BOUNDS_MS[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Adds one request into a counter array (the router's hot path: a few array increments). */
export function countRequest(c: Float64Array, status: number, ms: number): void {
  c[C_REQUESTS]!++;
  const cls = (status / 100) | 0;
  if (cls >= 2 && cls <= 5) c[C_STATUS + cls - 2]!++;
  c[C_LATENCY_SUM]! += ms;
  c[C_HIST + latencyBin(ms)]!++;
}

export function newCounters(): Float64Array {
  return new Float64Array(COUNTER_SLOTS);
}

/** Start of the bucket `at` falls in. */
export function bucketOf(at: number): number {
  return at - (at % METRICS_BUCKET_MS);
}

/** The buckets of the last `windowMs` up to `now`: oldest first, the current (partial) one last. */
export function windowBuckets(now: number, windowMs: number): number[] {
  const count = Math.max(1, Math.min(METRICS_BUCKETS, Math.ceil(windowMs / METRICS_BUCKET_MS)));
  const last = bucketOf(now);
  return Array.from({ length: count }, (_, i) => last - (count - 1 - i) * METRICS_BUCKET_MS);
}

/**
 * The latency below which a fraction `q` (0..1) of the requests of a histogram fell, linearly
 * interpolated inside its bin; null without requests. The overflow bin answers its lower bound.
 */
export function percentile(histogram: ArrayLike<number>, q: number): number | null {
  let total = 0;
  for (let i = 0; i < histogram.length; i++) total += histogram[i]!;
  if (total === 0) return null;
  const rank = Math.max(q, 0) * total;
  let seen = 0;
  for (let i = 0; i < histogram.length; i++) {
    const n = histogram[i]!;
    if (n === 0) continue;
    if (seen + n >= rank) {
      const lower = i === 0 ? 0 : LATENCY_BOUNDS_MS[i - 1]!;
      const upper = LATENCY_BOUNDS_MS[i];
      if (upper === undefined) return lower;
      return round2(lower + ((upper - lower) * Math.max(0, rank - seen)) / n);
    }
    seen += n;
  }
  return LATENCY_BOUNDS_MS[LATENCY_BOUNDS_MS.length - 1]!;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

export interface RouterBucket {
  /** Bucket start, ms since the epoch. */
  at: number;
  requests: number;
  status: Record<StatusClass, number>;
  latencySumMs: number;
  histogram: number[];
}

export interface LatencySummary {
  p50: number | null;
  p95: number | null;
  p99: number | null;
  mean: number | null;
}

export interface RouterSummary extends LatencySummary {
  requests: number;
  /** Requests per second over the window (up to now). */
  rps: number;
  status: Record<StatusClass, number>;
}

export function emptyBucket(at: number): RouterBucket {
  return { at, requests: 0, status: { '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 }, latencySumMs: 0, histogram: new Array<number>(LATENCY_BINS).fill(0) };
}

/** A bucket from the fields of its hash (missing fields are 0). */
export function bucketFromHash(at: number, hash: Record<string, string>): RouterBucket {
  const b = emptyBucket(at);
  const num = (f: string) => Number(hash[f] ?? 0) || 0;
  b.requests = num('n');
  STATUS_CLASSES.forEach((cls, i) => (b.status[cls] = num(`s${i + 2}`)));
  b.latencySumMs = num('ms');
  for (let i = 0; i < LATENCY_BINS; i++) b.histogram[i] = num(`h${i}`);
  return b;
}

/** The non-zero fields of a counter array, as HINCRBY(FLOAT) arguments. */
export function countersToFields(c: Float64Array): [string, number][] {
  const out: [string, number][] = [];
  for (let i = 0; i < COUNTER_SLOTS; i++) if (c[i] !== 0) out.push([FIELD_NAMES[i]!, c[i]!]);
  return out;
}

export function latencySummary(histogram: ArrayLike<number>, requests: number, latencySumMs: number): LatencySummary {
  return {
    p50: percentile(histogram, 0.5),
    p95: percentile(histogram, 0.95),
    p99: percentile(histogram, 0.99),
    mean: requests > 0 ? round2(latencySumMs / requests) : null,
  };
}

/** Merges the buckets of a window: totals, status classes, percentiles of the merged histogram. */
export function summarizeRouter(buckets: readonly RouterBucket[], now: number): RouterSummary {
  const merged = emptyBucket(0);
  for (const b of buckets) {
    merged.requests += b.requests;
    merged.latencySumMs += b.latencySumMs;
    for (const cls of STATUS_CLASSES) merged.status[cls] += b.status[cls];
    for (let i = 0; i < LATENCY_BINS; i++) merged.histogram[i]! += b.histogram[i] ?? 0;
  }
  const from = buckets.length ? buckets[0]!.at : bucketOf(now);
  const seconds = Math.max(1, (now - from) / 1000);
  return {
    requests: merged.requests,
    rps: round2(merged.requests / seconds),
    status: merged.status,
    ...latencySummary(merged.histogram, merged.requests, merged.latencySumMs),
  };
}

/** CPU % from two cumulative readings (Docker's formula): cpu delta / system delta × CPUs × 100. */
export function cpuPercentBetween(
  prev: { cpuNs: number; systemNs: number } | undefined,
  cur: { cpuNs: number; systemNs: number; cpus: number },
): number | null {
  if (!prev) return null;
  const cpuDelta = cur.cpuNs - prev.cpuNs;
  const systemDelta = cur.systemNs - prev.systemNs;
  if (systemDelta <= 0 || cpuDelta < 0) return null;
  return round2((cpuDelta / systemDelta) * cur.cpus * 100);
}

/** The latest usage of one instance, as its agent measured it. */
export interface InstanceSample {
  allocId: string;
  appId: string;
  process: string;
  /** null until two readings exist. */
  cpuPercent: number | null;
  /** Memory in use without the page cache, and the container's limit (bytes). */
  memUsed: number;
  memLimit: number;
  restarts: number;
  /** When the container last started (ms since the epoch). */
  startedAt: number;
  /** When the sample was taken. */
  at: number;
}

export interface UsageBucket {
  at: number;
  /** Summed over the app's instances sampled in the bucket. */
  cpuPercent: number;
  memUsed: number;
  instances: number;
}

/** A usage bucket from its hash: fields cpu:<allocId> and mem:<allocId>. */
export function usageFromHash(at: number, hash: Record<string, string>): UsageBucket {
  const u: UsageBucket = { at, cpuPercent: 0, memUsed: 0, instances: 0 };
  for (const [field, value] of Object.entries(hash)) {
    if (field.startsWith('cpu:')) u.cpuPercent += Number(value) || 0;
    else if (field.startsWith('mem:')) {
      u.memUsed += Number(value) || 0;
      u.instances++;
    }
  }
  u.cpuPercent = round2(u.cpuPercent);
  return u;
}

/** Samples older than this are not shown as an instance's current usage. */
export const SAMPLE_STALE_MS = 60_000;
const TTL_S = Math.ceil((METRICS_RETENTION_MS + METRICS_BUCKET_MS) / 1000);

export interface AppMetrics {
  windowMs: number;
  from: number;
  to: number;
  router: RouterSummary;
  /** One entry per bucket of the window, oldest first. */
  series: (RouterBucket & LatencySummary & { usage: UsageBucket })[];
  /** Latest samples of the app's instances (stale ones left out). */
  instances: InstanceSample[];
}

export class MetricsStore {
  private readonly p: string;

  constructor(
    private readonly redis: Redis,
    keys: Pick<Keys, 'prefix'>,
  ) {
    this.p = `${keys.prefix}metrics:`;
    this.lastRequestKey = `${this.p}last-request`;
  }

  routerKey = (appId: string, bucket: number) => `${this.p}router:${appId}:${bucket}`;
  usageKey = (appId: string, bucket: number) => `${this.p}usage:${appId}:${bucket}`;
  instancesKey = (appId: string) => `${this.p}instances:${appId}`;
  /** Hash: app id -> epoch ms of its last request seen by a router. */
  readonly lastRequestKey: string;

  /** Adds a router's counters of one bucket (per app) into the shared buckets, in one round trip. */
  async addRouter(bucket: number, perApp: ReadonlyMap<string, Float64Array>): Promise<void> {
    if (perApp.size === 0) return;
    const multi = this.redis.multi();
    for (const [appId, counters] of perApp) {
      if (!appId) continue;
      const key = this.routerKey(appId, bucket);
      for (const [field, n] of countersToFields(counters)) {
        if (Number.isInteger(n)) multi.hincrby(key, field, n);
        else multi.hincrbyfloat(key, field, Math.round(n * 1000) / 1000);
      }
      multi.expire(key, TTL_S);
      if (counters[0]! > 0) multi.hset(this.lastRequestKey, appId, String(Date.now()));
    }
    await multi.exec();
  }

  /** When a router last counted a request of each app (epoch ms; what sleeping types are judged by). */
  async lastRequests(): Promise<Map<string, number>> {
    const all = await this.redis.hgetall(this.lastRequestKey);
    return new Map(Object.entries(all).map(([appId, at]) => [appId, Number(at)]));
  }

  /** Writes the latest samples of instances, and their usage into the bucket of each sample. */
  async putSamples(samples: readonly InstanceSample[]): Promise<void> {
    if (samples.length === 0) return;
    const multi = this.redis.multi();
    for (const s of samples) {
      multi.hset(this.instancesKey(s.appId), s.allocId, JSON.stringify(s)).expire(this.instancesKey(s.appId), TTL_S);
      const key = this.usageKey(s.appId, bucketOf(s.at));
      multi.hset(key, `cpu:${s.allocId}`, String(s.cpuPercent ?? 0), `mem:${s.allocId}`, String(s.memUsed)).expire(key, TTL_S);
    }
    await multi.exec();
  }

  /** Forgets the latest samples of instances that stopped. */
  async dropSamples(instances: readonly { appId: string; allocId: string }[]): Promise<void> {
    if (instances.length === 0) return;
    const multi = this.redis.multi();
    for (const i of instances) multi.hdel(this.instancesKey(i.appId), i.allocId);
    await multi.exec();
  }

  /** Latest samples of the app's instances (of `allocIds` only, when given), fresh ones only. */
  async instanceSamples(appId: string, now = Date.now(), allocIds?: readonly string[]): Promise<Map<string, InstanceSample>> {
    const out = new Map<string, InstanceSample>();
    const values =
      allocIds === undefined ? Object.values(await this.redis.hgetall(this.instancesKey(appId))) : allocIds.length ? await this.redis.hmget(this.instancesKey(appId), ...allocIds) : [];
    for (const v of values) {
      if (!v) continue;
      const s = JSON.parse(v) as InstanceSample;
      if (now - s.at <= SAMPLE_STALE_MS) out.set(s.allocId, s);
    }
    return out;
  }

  async routerSeries(appId: string, buckets: readonly number[]): Promise<RouterBucket[]> {
    const rows = await this.hgetalls(buckets.map((b) => this.routerKey(appId, b)));
    return buckets.map((b, i) => bucketFromHash(b, rows[i] ?? {}));
  }

  async usageSeries(appId: string, buckets: readonly number[]): Promise<UsageBucket[]> {
    const rows = await this.hgetalls(buckets.map((b) => this.usageKey(appId, b)));
    return buckets.map((b, i) => usageFromHash(b, rows[i] ?? {}));
  }

  /** CPU % of each instance sampled in each bucket (allocation id -> percent), for one process type's mean. */
  async cpuByInstance(appId: string, buckets: readonly number[]): Promise<Map<string, number>[]> {
    const rows = await this.hgetalls(buckets.map((b) => this.usageKey(appId, b)));
    return buckets.map((_, i) => new Map(Object.entries(rows[i] ?? {}).flatMap(([f, v]) => (f.startsWith('cpu:') ? [[f.slice(4), Number(v) || 0] as [string, number]] : []))));
  }

  /** Everything the API serves for an app: the window's series, its summary, the instances. */
  async appMetrics(appId: string, windowMs: number, now = Date.now()): Promise<AppMetrics> {
    const buckets = windowBuckets(now, windowMs);
    const [router, usage, instances] = await Promise.all([this.routerSeries(appId, buckets), this.usageSeries(appId, buckets), this.instanceSamples(appId, now)]);
    return {
      windowMs: buckets.length * METRICS_BUCKET_MS,
      from: buckets[0]!,
      to: now,
      router: summarizeRouter(router, now),
      series: router.map((b, i) => ({ ...b, ...latencySummary(b.histogram, b.requests, b.latencySumMs), usage: usage[i]! })),
      instances: [...instances.values()].sort((a, b) => a.process.localeCompare(b.process, 'en', { numeric: true })),
    };
  }

  /** HGETALL of many keys, pipelined in chunks (a 24 h window is 8640 keys). */
  private async hgetalls(keys: readonly string[]): Promise<Record<string, string>[]> {
    const out: Record<string, string>[] = [];
    for (let i = 0; i < keys.length; i += 500) {
      const pipe = this.redis.pipeline();
      for (const k of keys.slice(i, i + 500)) pipe.hgetall(k);
      const res = (await pipe.exec()) ?? [];
      for (const [err, value] of res) out.push(err ? {} : ((value as Record<string, string>) ?? {}));
    }
    return out;
  }
}
