/**
 * The live output of one push: build steps, then the deploy's progress, then an "end" entry
 * with the outcome. The builder and the scheduler write it; the git service relays it to the
 * pushing client as "remote:" lines. Kept for a day after the end.
 */
import type { Redis } from 'ioredis';
import type { Keys } from './keys';

export type BuildOutputEntry = { kind: 'line'; text: string } | { kind: 'end'; ok: boolean; message: string };

const KEEP_SECONDS = 24 * 3600;

export class BuildOutput {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  async lines(buildId: string, texts: string[]): Promise<void> {
    if (texts.length === 0) return;
    const key = this.keys.buildLog(buildId);
    const multi = this.redis.multi();
    for (const t of texts) multi.xadd(key, '*', 'k', 'line', 'v', t);
    multi.expire(key, KEEP_SECONDS);
    await multi.exec();
  }

  async end(buildId: string, ok: boolean, message: string): Promise<void> {
    const key = this.keys.buildLog(buildId);
    await this.redis.multi().xadd(key, '*', 'k', 'end', 'ok', ok ? '1' : '0', 'v', message).expire(key, KEEP_SECONDS).exec();
  }

  /**
   * Reads entries after `afterId` ("0" for all), waiting up to blockMs. Needs its own connection
   * (the read blocks). Returns the entries and the id to continue after.
   */
  async read(conn: Redis, buildId: string, afterId: string, blockMs: number): Promise<{ entries: BuildOutputEntry[]; lastId: string }> {
    const res = (await conn.xread('COUNT', 200, 'BLOCK', blockMs, 'STREAMS', this.keys.buildLog(buildId), afterId)) as
      | [string, [string, string[]][]][]
      | null;
    if (!res) return { entries: [], lastId: afterId };
    const rows = res[0]![1];
    const entries = rows.map(([, f]) => {
      const m: Record<string, string> = {};
      for (let i = 0; i + 1 < f.length; i += 2) m[f[i]!] = f[i + 1]!;
      return m.k === 'end'
        ? ({ kind: 'end', ok: m.ok === '1', message: m.v ?? '' } as const)
        : ({ kind: 'line', text: m.v ?? '' } as const);
    });
    return { entries, lastId: rows.at(-1)![0] };
  }
}
