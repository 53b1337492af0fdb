/**
 * One drain at work: its bounded queue, filled by the app's reader, emptied in batches into the
 * drain's transport. The reader only ever pushes (never waits); a failing transport backs off
 * and retries while the queue keeps the newest lines and counts the ones it had to drop.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { LogEntry } from '@gantry/live';
import { DropOldestQueue } from './queue';

/** Sends batches to one collector (transports.ts). `send` rejects when the batch did not get out. */
export interface Transport {
  send(entries: LogEntry[]): Promise<void>;
  close(): void;
}

/** A collector said no to this batch for good (e.g. HTTP 413): drop it, do not retry. */
export class Rejected extends Error {}

export interface WorkerOptions {
  capacity: number;
  batchSize: number;
  /** Attempts per batch before it is dropped (the collector keeps failing). */
  attempts: number;
  backoffMs: (failuresInARow: number) => number;
}

export const DEFAULT_WORKER_OPTIONS: WorkerOptions = { capacity: 10_000, batchSize: 500, attempts: 3, backoffMs: backoff };

/** 250 ms doubling up to 30 s. */
export function backoff(failuresInARow: number): number {
  return Math.min(250 * 2 ** Math.max(0, failuresInARow - 1), 30_000);
}

export interface WorkerStats {
  delivered: number;
  dropped: number;
  queued: number;
  error?: string;
}

export class DrainWorker {
  private readonly queue: DropOldestQueue<LogEntry>;
  private delivered = 0;
  /** Batches given up on (attempts exhausted or rejected), beside the queue's own drops. */
  private abandoned = 0;
  private error: string | undefined;
  private stopped = false;
  private readonly stopping = new AbortController();
  private wake: (() => void) | undefined;
  private readonly done: Promise<void>;

  constructor(
    readonly id: string,
    private readonly transport: Transport,
    private readonly opts: WorkerOptions = DEFAULT_WORKER_OPTIONS,
  ) {
    this.queue = new DropOldestQueue(opts.capacity);
    this.done = this.run();
  }

  /** Called by the reader: never blocks, never throws. */
  push(entries: readonly LogEntry[]): void {
    if (this.stopped) return;
    for (const e of entries) this.queue.push(e);
    this.wake?.();
  }

  stats(): WorkerStats {
    return { delivered: this.delivered, dropped: this.queue.dropped + this.abandoned, queued: this.queue.size, ...(this.error ? { error: this.error } : {}) };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopping.abort();
    this.wake?.();
    this.transport.close();
    await this.done;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      if (this.queue.size === 0) {
        await new Promise<void>((r) => (this.wake = r));
        this.wake = undefined;
        continue;
      }
      const batch = this.queue.take(this.opts.batchSize);
      for (let attempt = 1; !this.stopped; attempt++) {
        try {
          await this.transport.send(batch);
          this.delivered += batch.length;
          this.error = undefined;
          failures = 0;
          break;
        } catch (err) {
          failures++;
          this.error = (err as Error).message;
          if (err instanceof Rejected || attempt >= this.opts.attempts) {
            this.abandoned += batch.length;
            break;
          }
          await this.sleep(this.opts.backoffMs(failures));
        }
      }
      if (failures > 0 && !this.stopped) await this.sleep(this.opts.backoffMs(failures));
    }
  }

  /** Waits, but wakes early on stop. */
  private sleep(ms: number): Promise<void> {
    return sleep(ms, undefined, { signal: this.stopping.signal }).catch(() => {});
  }
}
