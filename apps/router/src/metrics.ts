/**
 * Request metrics per app: counted in memory on the hot path (a map lookup and a few array
 * increments, no Redis call), added into the shared 10 s buckets (MetricsStore) every 2 s.
 *
 *   onResponseClose ──record(appId, status, ms)──▶ Float64Array per app ──flush (2 s)──▶ HINCRBY
 *
 * Flushes are aligned to multiples of the flush interval, which divides the bucket length, so the
 * counts of one interval belong to one bucket. A slow or unreachable Redis loses the counts of
 * the intervals it failed (never blocks requests); `dropped` counts them. A write Redis has not
 * answered yet (ioredis queues commands while disconnected) is not queued behind: the next
 * interval's counts are dropped instead, so an outage cannot grow memory, and the log says so once.
 */
import { METRICS_BUCKET_MS, bucketOf, countRequest, newCounters, type MetricsStore } from '@gantry/live';
import type { Logger } from './log';

export interface MetricsOptions {
  /** Interval of the writes (2 s); must divide the bucket. */
  flushMs?: number;
  now?: () => number;
  log?: Logger;
}

export interface MetricsSink {
  addRouter: MetricsStore['addRouter'];
}

export class RouterMetrics {
  private counters = new Map<string, Float64Array>();
  private intervalStart = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private writing = false;
  private warned = false;
  private readonly flushMs: number;
  private readonly now: () => number;
  /** Requests whose counts could not be written. */
  dropped = 0;

  constructor(
    private readonly sink: MetricsSink,
    private readonly o: MetricsOptions = {},
  ) {
    this.flushMs = o.flushMs ?? 2000;
    this.now = o.now ?? Date.now;
    if (METRICS_BUCKET_MS % this.flushMs !== 0) throw new Error(`The flush interval (${this.flushMs} ms) must divide the bucket (${METRICS_BUCKET_MS} ms).`);
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
    const drop = () => {
      for (const c of batch.values()) this.dropped += c[0]!;
    };
    if (this.writing) {
      drop();
      if (!this.warned) this.o.log?.warn('at=warn code=metrics_dropped desc="Redis has not answered the last metrics write; dropping counts until it does"');
      this.warned = true;
      return this.flushing;
    }
    this.writing = true;
    this.flushing = this.sink
      .addRouter(bucket, batch)
      .then(() => {
        if (this.warned) this.o.log?.info('metrics reach Redis again');
        this.warned = false;
      }, drop)
      .finally(() => {
        this.writing = false;
      });
    return this.flushing;
  }

  /** Stops the timer and writes the last counts. */
  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}
