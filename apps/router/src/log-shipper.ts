/**
 * Router lines into each app's log stream (source "router"), batched per app every 15 ms so the
 * hot path only copies the line into that app's buffer:
 *
 *   request done ──line──▶ per-app Buffer (UTF-8, "\n"-separated) ──flush (15 ms)──▶ AppLogs.appendText
 *
 * The lines are copied out of the JS heap at once, so they die young: kept as strings for 15 ms
 * they outlived scavenges and were promoted, and the old generation's collections showed in the
 * router's tail latency. The batch buffers are reused once Redis has answered for them: a new
 * ArrayBuffer per app every 15 ms (growing to a few hundred KB under load) made V8 run a full
 * mark-compact about once a second under the router benchmark's load. A slow or unreachable Redis
 * drops lines rather than blocking or growing: at most `maxPending` lines wait per app, and at most
 * `maxInFlight` flushes wait for Redis (ioredis queues commands while disconnected); beyond that
 * a batch is dropped, counted, and the log says so once per outage.
 */
import type { AppLogs } from '@gantry/live';
import type { Logger } from './log';

export interface ShipperOptions {
  /** Batching interval (15 ms). */
  flushMs?: number;
  /** Lines held per app between flushes (5000); more are dropped. */
  maxPending?: number;
  /** Flushes Redis has not answered yet (4); while that many wait, new batches are dropped. */
  maxInFlight?: number;
  log?: Logger;
}

const FIRST_CAPACITY = 16 * 1024;

/** Buffers kept for reuse once Redis has taken their bytes (bigger ones are let go). */
const MAX_SPARE_CAPACITY = 1024 * 1024;
const MAX_SPARES = 8;

class Batch {
  bytes = 0;
  lines = 0;

  constructor(public buf: Buffer) {}

  add(line: string): void {
    // At most 3 bytes per UTF-16 unit, plus the separator.
    const need = this.bytes + line.length * 3 + 1;
    if (need > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(need, this.buf.length * 2));
      this.buf.copy(grown, 0, 0, this.bytes);
      this.buf = grown;
    }
    if (this.lines > 0) this.buf[this.bytes++] = 0x0a;
    this.bytes += this.buf.write(line, this.bytes, 'utf8');
    this.lines++;
  }
}

export class RouterLogShipper {
  private pending = new Map<string, Batch>();
  /** Batch buffers handed back after their flush: no new ArrayBuffer every 15 ms per app. */
  private spares: Buffer[] = [];
  private timer: NodeJS.Timeout | undefined;
  private inFlight = 0;
  /** Lines dropped since the log said so (-1: not dropping). */
  private droppedInOutage = -1;
  private readonly flushMs: number;
  private readonly maxPending: number;
  private readonly maxInFlight: number;
  dropped = 0;

  constructor(
    private readonly logs: Pick<AppLogs, 'appendText'>,
    private readonly o: ShipperOptions = {},
  ) {
    this.flushMs = o.flushMs ?? 15;
    this.maxPending = o.maxPending ?? 5000;
    this.maxInFlight = o.maxInFlight ?? 4;
  }

  ship(appId: string, line: string): void {
    let batch = this.pending.get(appId);
    if (batch === undefined) this.pending.set(appId, (batch = new Batch(this.spares.pop() ?? Buffer.allocUnsafe(FIRST_CAPACITY))));
    if (batch.lines >= this.maxPending) {
      this.dropped++;
      return;
    }
    // One entry per line: a newline inside (never in lines the router writes) would split it.
    batch.add(line.indexOf('\n') === -1 ? line : line.replaceAll('\n', ' '));
    this.timer ??= setTimeout(() => void this.flush(), this.flushMs);
  }

  async flush(): Promise<void> {
    this.timer = undefined;
    const batches = this.pending;
    this.pending = new Map();
    if (batches.size === 0) return;
    if (this.inFlight >= this.maxInFlight) return this.drop(batches);
    this.inFlight++;
    let failed = false;
    await Promise.all(
      [...batches].map(([appId, b]) =>
        this.logs
          .appendText(appId, 'router', 'router', b.buf.subarray(0, b.bytes))
          .catch(() => {
            failed = true;
          })
          .then(() => this.recycle(b.buf)),
      ),
    );
    this.inFlight--;
    if (!failed && this.droppedInOutage >= 0) {
      this.o.log?.info(`request lines reach the apps' logs again (${this.droppedInOutage} dropped while Redis did not take them)`);
      this.droppedInOutage = -1;
    }
  }

  /** Redis is not answering: the batches go, with their count, instead of piling up in memory. */
  private drop(batches: Map<string, Batch>): void {
    let lines = 0;
    for (const b of batches.values()) {
      lines += b.lines;
      this.recycle(b.buf);
    }
    this.dropped += lines;
    if (this.droppedInOutage < 0) {
      this.droppedInOutage = 0;
      this.o.log?.warn(`at=warn code=request_lines_dropped desc="Redis has not answered ${this.inFlight} writes of request lines; dropping new ones until it does"`);
    }
    this.droppedInOutage += lines;
  }

  /** Once the command is answered, Redis has the bytes and the buffer can take new lines. */
  private recycle(buf: Buffer): void {
    if (buf.length <= MAX_SPARE_CAPACITY && this.spares.length < MAX_SPARES) this.spares.push(buf);
  }
}
