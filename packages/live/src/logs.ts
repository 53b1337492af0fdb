/**
 * One log stream per app in Redis (a capped stream): app output of every instance, build output
 * and platform events, each line with a time, source and process. Kept across deploys, so the
 * logs of a release that is gone can still be read.
 */
import type { Redis } from 'ioredis';

export type LogSource = 'app' | 'build' | 'gantry' | 'router' | 'release' | 'cron' | 'autoscale';

export interface LogEntry {
  /** Stream id ("<ms>-<seq>"); time order. */
  id: string;
  time: number;
  source: LogSource;
  process: string;
  line: string;
}

export const DEFAULT_LOG_RETENTION = 10_000;

/** KEYS[1] the stream; ARGV: retention, time, then source, process, line for each entry. */
const APPEND_SCRIPT = `
local maxlen, t = ARGV[1], ARGV[2]
for i = 3, #ARGV, 3 do
  redis.call('XADD', KEYS[1], '*', 't', t, 's', ARGV[i], 'p', ARGV[i + 1], 'l', ARGV[i + 2])
end
redis.call('XTRIM', KEYS[1], 'MAXLEN', '~', maxlen)
return (#ARGV - 2) / 3`;

/** KEYS[1] the stream; ARGV: retention, time, source, process, then the lines joined by "\n". */
const APPEND_LINES_SCRIPT = `
local maxlen, t, s, p, text = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local n, start = 0, 1
while true do
  local nl = string.find(text, '\\n', start, true)
  local line = nl and string.sub(text, start, nl - 1) or string.sub(text, start)
  redis.call('XADD', KEYS[1], '*', 't', t, 's', s, 'p', p, 'l', line)
  n = n + 1
  if not nl then break end
  start = nl + 1
end
redis.call('XTRIM', KEYS[1], 'MAXLEN', '~', maxlen)
return n`;

function countNewlines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

export const LOG_SOURCES: readonly LogSource[] = ['app', 'build', 'gantry', 'router', 'release', 'cron', 'autoscale'];

/**
 * Which lines to show: one source, and/or one process ("web.2"), process type ("web") or sidecar
 * ("web.2/metrics"). An instance's own filter takes its sidecars' lines too, as a type's does.
 */
export interface LogFilter {
  source?: LogSource;
  process?: string;
}

export function matchesLogFilter(e: Pick<LogEntry, 'source' | 'process'>, f: LogFilter): boolean {
  if (f.source !== undefined && e.source !== f.source) return false;
  if (f.process !== undefined && e.process !== f.process && !e.process.startsWith(`${f.process}.`) && !e.process.startsWith(`${f.process}/`)) return false;
  return true;
}

const isEmptyFilter = (f: LogFilter) => f.source === undefined && f.process === undefined;

export class AppLogs {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly retention = DEFAULT_LOG_RETENTION,
  ) {}

  key(appId: string): string {
    return `${this.prefix}logs:${appId}`;
  }

  /**
   * Appends lines in order, atomically, as one command whatever their number (a script doing the
   * XADDs): a busy router or app costs one round trip and one command per batch, not per line.
   */
  async append(appId: string, entries: Omit<LogEntry, 'id' | 'time'>[], time = Date.now()): Promise<void> {
    if (entries.length === 0) return;
    const args: string[] = new Array(2 + entries.length * 3);
    args[0] = String(this.retention);
    args[1] = String(time);
    let i = 2;
    for (const e of entries) {
      args[i++] = e.source;
      args[i++] = e.process;
      args[i++] = e.line;
    }
    await this.redis.eval(APPEND_SCRIPT, 1, this.key(appId), ...args);
  }

  /**
   * Appends lines of one source and process (a router's request lines, one container's output):
   * sent as one string, split into entries by Redis, which keeps a busy sender's cost per line to
   * a string join. Lines with a newline inside go the general way.
   */
  async appendLines(appId: string, source: LogSource, process: string, lines: string[], time = Date.now()): Promise<void> {
    if (lines.length === 0) return;
    const text = lines.join('\n');
    if (countNewlines(text) !== lines.length - 1) {
      return this.append(appId, lines.map((line) => ({ source, process, line })), time);
    }
    await this.appendText(appId, source, process, text, time);
  }

  /**
   * Appends newline-separated lines of one source and process, already joined (a string, or the
   * UTF-8 bytes a sender gathered them in): each line becomes one entry. The caller guarantees
   * that no line has a newline inside.
   */
  async appendText(appId: string, source: LogSource, process: string, text: string | Buffer, time = Date.now()): Promise<void> {
    if (text.length === 0) return;
    await this.redis.eval(APPEND_LINES_SCRIPT, 1, this.key(appId), String(this.retention), String(time), source, process, text);
  }

  /** The newest `count` entries, oldest first. */
  async recent(appId: string, count: number): Promise<LogEntry[]> {
    if (count <= 0) return []; // COUNT 0 answers nil, not an empty list
    const rows = await this.redis.xrevrange(this.key(appId), '+', '-', 'COUNT', count);
    return rows.map(toEntry).reverse();
  }

  /**
   * The newest `count` entries that match the filter, oldest first: reads backwards in pages until
   * enough match or the stream's start (at most `retention` entries are ever read).
   */
  async recentMatching(appId: string, count: number, filter: LogFilter): Promise<LogEntry[]> {
    if (isEmptyFilter(filter)) return this.recent(appId, count);
    const found: LogEntry[] = [];
    let end = '+';
    let read = 0;
    while (found.length < count && read < this.retention * 2) {
      const rows = await this.redis.xrevrange(this.key(appId), end, '-', 'COUNT', 1000);
      if (rows.length === 0) break;
      read += rows.length;
      for (const row of rows) {
        const e = toEntry(row);
        if (matchesLogFilter(e, filter)) found.push(e);
        if (found.length === count) break;
      }
      end = `(${rows.at(-1)![0]}`;
    }
    return found.reverse();
  }

  /** Entries after `afterId`, waiting up to blockMs for new ones. Use a dedicated connection. */
  async readAfter(conn: Redis, appId: string, afterId: string, blockMs: number): Promise<LogEntry[]> {
    const res = (await conn.xread('COUNT', 5000, 'BLOCK', blockMs, 'STREAMS', this.key(appId), afterId)) as
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
