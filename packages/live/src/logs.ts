/**
 * One log stream per app in Redis (a capped stream): app output of every instance, build output
 * and platform events, each line with a time, source and process. Kept across deploys, so the
 * logs of a release that is gone can still be read.
 */
import type { Redis } from 'ioredis';

export type LogSource = 'app' | 'build' | 'gantry' | 'router';

export interface LogEntry {
  /** Stream id ("<ms>-<seq>"); time order. */
  id: string;
  time: number;
  source: LogSource;
  process: string;
  line: string;
}

export const DEFAULT_LOG_RETENTION = 10_000;

export class AppLogs {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly retention = DEFAULT_LOG_RETENTION,
  ) {}

  key(appId: string): string {
    return `${this.prefix}logs:${appId}`;
  }

  async append(appId: string, entries: Omit<LogEntry, 'id' | 'time'>[], time = Date.now()): Promise<void> {
    if (entries.length === 0) return;
    const multi = this.redis.multi();
    for (const e of entries) {
      multi.xadd(this.key(appId), 'MAXLEN', '~', String(this.retention), '*', 't', String(time), 's', e.source, 'p', e.process, 'l', e.line);
    }
    await multi.exec();
  }

  /** The newest `count` entries, oldest first. */
  async recent(appId: string, count: number): Promise<LogEntry[]> {
    const rows = await this.redis.xrevrange(this.key(appId), '+', '-', 'COUNT', count);
    return rows.map(toEntry).reverse();
  }

  /** Entries after `afterId`, waiting up to blockMs for new ones. Use a dedicated connection. */
  async readAfter(conn: Redis, appId: string, afterId: string, blockMs: number): Promise<LogEntry[]> {
    const res = (await conn.xread('COUNT', 500, 'BLOCK', blockMs, 'STREAMS', this.key(appId), afterId)) as
      | [string, [string, string[]][]][]
      | null;
    return res ? res[0]![1].map(toEntry) : [];
  }

  async drop(appId: string): Promise<void> {
    await this.redis.del(this.key(appId));
  }
}

function toEntry([id, fields]: [string, string[]]): LogEntry {
  const f: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i]!] = fields[i + 1]!;
  return { id, time: Number(f.t ?? id.split('-')[0]), source: (f.s ?? 'app') as LogSource, process: f.p ?? '', line: f.l ?? '' };
}
