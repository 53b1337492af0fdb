/**
 * Tasks: commands Gantry runs to completion in a one-off container of a release (the release
 * phase, app.json scripts, cron runs). The agent that runs one writes its output and result here;
 * whoever waits reads the stream from the start, so a waiter that restarts (a scheduler that lost
 * its job) misses nothing and never needs the task to run again.
 *
 *   agent ──started──line…──end(result)──▶ stream task:<id> (kept a day) ──follow()──▶ waiters
 */
import type { Redis } from 'ioredis';
import type { Keys } from './keys';

export type TaskOutcome = 'succeeded' | 'failed' | 'timeout' | 'error';

export interface TaskResult {
  outcome: TaskOutcome;
  /** The command's exit code; null when it never ran to an exit (timeout, could not start). */
  exitCode: number | null;
  /** One line for people: "exit code 3", "timed out after 30 min", "could not get the image: ...". */
  reason: string;
  hostId: string;
  /** When the container started (ms), null when it never did. */
  startedAt: number | null;
  finishedAt: number;
}

export type TaskEntry = { kind: 'started'; at: number; hostId: string } | { kind: 'line'; text: string } | { kind: 'end'; result: TaskResult };

const KEEP_SECONDS = 24 * 3600;

function decode(fields: string[]): TaskEntry {
  const m: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) m[fields[i]!] = fields[i + 1]!;
  if (m.k === 'end') return { kind: 'end', result: JSON.parse(m.v ?? '{}') as TaskResult };
  if (m.k === 'started') return { kind: 'started', at: Number(m.at), hostId: m.h ?? '' };
  return { kind: 'line', text: m.v ?? '' };
}

export class TaskStreams {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  /** Gives the task to `hostId` unless it was given to a host already; returns the host it has. */
  async claimHost(taskId: string, hostId: string): Promise<string> {
    const key = this.keys.taskHost(taskId);
    const set = await this.redis.set(key, hostId, 'EX', KEEP_SECONDS, 'NX');
    return set ? hostId : ((await this.redis.get(key)) ?? hostId);
  }

  async started(taskId: string, hostId: string, at: number): Promise<void> {
    const key = this.keys.task(taskId);
    await this.redis.multi().xadd(key, '*', 'k', 'started', 'at', String(at), 'h', hostId).expire(key, KEEP_SECONDS).exec();
  }

  async lines(taskId: string, texts: string[]): Promise<void> {
    if (texts.length === 0) return;
    const key = this.keys.task(taskId);
    const multi = this.redis.multi();
    for (const t of texts) multi.xadd(key, 'MAXLEN', '~', '20000', '*', 'k', 'line', 'v', t);
    multi.expire(key, KEEP_SECONDS);
    await multi.exec();
  }

  /** Records the result; a task ends once (a second end, from a redelivered command, is dropped). */
  async end(taskId: string, result: TaskResult): Promise<void> {
    const first = await this.redis.set(`${this.keys.task(taskId)}:ended`, '1', 'EX', KEEP_SECONDS, 'NX');
    if (!first) return;
    const key = this.keys.task(taskId);
    await this.redis.multi().xadd(key, '*', 'k', 'end', 'v', JSON.stringify(result)).expire(key, KEEP_SECONDS).expire(this.keys.taskHost(taskId), KEEP_SECONDS).exec();
  }

  /** The result, or null while the task runs (or was never started). */
  async result(taskId: string): Promise<TaskResult | null> {
    const last = (await this.redis.xrevrange(this.keys.task(taskId), '+', '-', 'COUNT', 1)) as [string, string[]][];
    const entry = last[0] ? decode(last[0][1]) : null;
    return entry?.kind === 'end' ? entry.result : null;
  }

  /** Reads entries after `afterId` ("0" for all), blocking up to blockMs. `conn` must be a connection of its own. */
  async read(conn: Redis, taskId: string, afterId: string, blockMs: number): Promise<{ entries: TaskEntry[]; lastId: string }> {
    const res = (await conn.xread('COUNT', 500, 'BLOCK', blockMs, 'STREAMS', this.keys.task(taskId), afterId)) as [string, [string, string[]][]][] | null;
    if (!res) return { entries: [], lastId: afterId };
    const rows = res[0]![1];
    return { entries: rows.map(([, f]) => decode(f)), lastId: rows.at(-1)![0] };
  }

  /**
   * Follows a task from its first line to its end, calling onLine for each output line. `conn`
   * must be a connection of its own (reads block). Rejects with the signal's reason when aborted.
   */
  async follow(conn: Redis, taskId: string, onLine: (text: string) => void | Promise<void>, signal?: AbortSignal): Promise<TaskResult> {
    let after = '0';
    for (;;) {
      if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason ?? 'aborted'));
      const { entries, lastId } = await this.read(conn, taskId, after, 2000);
      after = lastId;
      for (const e of entries) {
        if (e.kind === 'line') await onLine(e.text);
        else if (e.kind === 'end') return e.result;
      }
    }
  }

  /** Every output line of a finished (or running) task, for keeping with its release. */
  async output(taskId: string): Promise<string[]> {
    const rows = (await this.redis.xrange(this.keys.task(taskId), '-', '+')) as [string, string[]][];
    return rows.map(([, f]) => decode(f)).flatMap((e) => (e.kind === 'line' ? [e.text] : []));
  }
}
