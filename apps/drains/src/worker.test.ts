import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { LogEntry } from '@gantry/live';
import { DrainWorker, Rejected, backoff, type Transport } from './worker';

const entry = (n: number): LogEntry => ({ id: `${n}-0`, time: n, source: 'app', process: 'web.1', line: `line ${n}` });
const entries = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => entry(from + i));

/** A collector in memory: takes batches, or fails while `down`, or hangs while `stuck`. */
class FakeCollector implements Transport {
  got: number[] = [];
  down = false;
  stuck = false;
  private release: (() => void) | undefined;
  async send(batch: LogEntry[]): Promise<void> {
    if (this.stuck) await new Promise<void>((r) => (this.release = r));
    if (this.down) throw new Error('ECONNREFUSED');
    this.got.push(...batch.map((e) => e.time));
  }
  unstick() {
    this.stuck = false;
    this.release?.();
  }
  close() {
    this.release?.();
  }
}

const opts = (capacity: number) => ({ capacity, batchSize: 4, attempts: 2, backoffMs: () => 5 });
const until = async (cond: () => boolean) => {
  for (let i = 0; i < 200 && !cond(); i++) await sleep(5);
  expect(cond()).toBe(true);
};

describe('DrainWorker', () => {
  it('delivers every line in order, in batches', async () => {
    const c = new FakeCollector();
    const w = new DrainWorker('d1', c, opts(100));
    w.push(entries(1, 10));
    w.push(entries(11, 13));
    await until(() => c.got.length === 13);
    expect(c.got).toEqual(entries(1, 13).map((e) => e.time));
    expect(w.stats()).toEqual({ delivered: 13, dropped: 0, queued: 0 });
    await w.stop();
  });

  it('never blocks the pusher while the collector hangs: keeps the newest lines, counts the rest', async () => {
    const c = new FakeCollector();
    c.stuck = true;
    const w = new DrainWorker('d1', c, opts(10));
    w.push(entries(1, 1)); // taken at once, then the send hangs
    await sleep(5);
    const started = performance.now();
    for (let n = 2; n <= 10_001; n++) w.push([entry(n)]);
    expect(performance.now() - started).toBeLessThan(200);
    expect(w.stats()).toMatchObject({ queued: 10, dropped: 9_990 });
    c.unstick();
    await until(() => c.got.length === 11);
    expect(c.got).toEqual([1, ...entries(9_992, 10_001).map((e) => e.time)]);
    await w.stop();
  });

  it('retries a failed batch, gives it up after its attempts, and recovers', async () => {
    const c = new FakeCollector();
    c.down = true;
    const w = new DrainWorker('d1', c, opts(100));
    w.push(entries(1, 4));
    await until(() => w.stats().dropped === 4);
    expect(w.stats().error).toBe('ECONNREFUSED');
    c.down = false;
    w.push(entries(5, 6));
    await until(() => c.got.length === 2);
    expect(c.got).toEqual([5, 6]);
    expect(w.stats()).toEqual({ delivered: 2, dropped: 4, queued: 0 });
    await w.stop();
  });

  it('drops a batch the collector rejects for good without retrying it', async () => {
    let calls = 0;
    const rejecting: Transport = {
      send: async () => {
        calls++;
        throw new Rejected('HTTP 413 from the collector');
      },
      close: () => {},
    };
    const w = new DrainWorker('d1', rejecting, opts(100));
    w.push(entries(1, 3));
    await until(() => w.stats().dropped === 3);
    expect(calls).toBe(1);
    await w.stop();
  });

  it('backs off from 250 ms up to 30 s', () => {
    expect([1, 2, 3, 20].map(backoff)).toEqual([250, 500, 1000, 30_000]);
  });
});
