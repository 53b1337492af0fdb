/**
 * Request metrics per app: counted in memory on the hot path (a map lookup and a few array
 * increments, no Redis call), added into the shared 10 s buckets (MetricsStore) every 2 s.
 *
 *   onResponseClose ──record(appId, status, ms)──▶ Float64Array per app ──flush (2 s)──▶ HINCRBY
 *
 * Flushes are aligned to multiples of the flush interval, which divides the bucket length, so the
 * counts of one interval belong to one bucket. A slow or unreachable Redis loses the counts of
 * the intervals it failed (never blocks requests); `dropped` counts them.
 */
import { METRICS_BUCKET_MS, bucketOf, countRequest, newCounters, type MetricsStore } from '@gantry/live';

export interface MetricsSink {
  addRouter: MetricsStore['addRouter'];
}

export class RouterMetrics {
  private counters = new Map<string, Float64Array>();
  private intervalStart = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  /** Requests whose counts could not be written. */
  dropped = 0;

  constructor(
    private readonly sink: MetricsSink,
    private readonly flushMs = 2000,
    private readonly now: () => number = Date.now,
  ) {
    if (METRICS_BUCKET_MS % flushMs !== 0) throw new Error(`The flush interval (${flushMs} ms) must divide the bucket (${METRICS_BUCKET_MS} ms).`);
  }

  /** One finished request of an app (hot path). */
  record(appId: string, status: number, ms: number): void {
    let c = this.counters.get(appId);
    if (c === undefined) this.counters.set(appId, (c = newCounters()));
    countRequest(c, status, ms);
  }

  start(): this {
    this.intervalStart = this.now();
    this.schedule();
    return this;
  }

  private schedule(): void {
    const t = this.now();
    this.timer = setTimeout(() => {
      void this.flush();
      this.schedule();
    }, this.flushMs - (t % this.flushMs) || this.flushMs);
    this.timer.unref();
  }

  /** Writes what was counted since the last flush into the bucket of the interval's start. */
  flush(): Promise<void> {
    const batch = this.counters;
    const bucket = bucketOf(this.intervalStart);
    this.counters = new Map();
    this.intervalStart = this.now();
    this.flushing = this.flushing.then(() =>
      this.sink.addRouter(bucket, batch).catch(() => {
        for (const c of batch.values()) this.dropped += c[0]!;
      }),
    );
    return this.flushing;
  }

  /** Stops the timer and writes the last counts. */
  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}
