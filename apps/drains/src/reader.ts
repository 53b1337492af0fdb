/**
 * One reader per app with drains: XREAD BLOCK on the app's log stream, on its own Redis
 * connection, handing every batch to the app's drains (which only queue it). It starts at the
 * stream's end ("$", resolved once to an id so no line between two reads is missed).
 */
import type { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AppLogs, LogEntry } from '@gantry/live';

export interface ReaderDeps {
  logs: AppLogs;
  /** A dedicated connection: it spends its time blocked in XREAD. Closed by stop(). */
  conn: Redis;
  appId: string;
  sink: (entries: LogEntry[]) => void;
  onError: (err: Error) => void;
  blockMs?: number;
}

export class AppReader {
  private stopped = false;
  private lastId = '';
  private readonly done: Promise<void>;
  /** Resolves once the starting position is known (lines appended after it are forwarded). */
  readonly ready: Promise<void>;
  private markReady!: () => void;

  constructor(private readonly deps: ReaderDeps) {
    this.ready = new Promise((r) => (this.markReady = r));
    this.done = this.run();
  }

  private async run(): Promise<void> {
    const { logs, conn, appId } = this.deps;
    while (!this.stopped) {
      try {
        if (!this.lastId) {
          const newest = await conn.xrevrange(logs.key(appId), '+', '-', 'COUNT', 1);
          this.lastId = newest[0]?.[0] ?? '0-0';
          this.markReady();
        }
        const entries = await logs.readAfter(conn, appId, this.lastId, this.deps.blockMs ?? 5_000);
        if (entries.length === 0) continue;
        this.lastId = entries.at(-1)!.id;
        this.deps.sink(entries);
      } catch (err) {
        if (this.stopped) break;
        this.deps.onError(err as Error);
        await sleep(1_000);
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.deps.conn.disconnect();
    this.markReady();
    await this.done;
  }
}
