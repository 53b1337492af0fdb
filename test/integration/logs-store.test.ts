/** AppLogs against the real Redis: batched appends keep order, content and fields exactly. */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { AppLogs, connectRedis, keysFor } from '@gantry/live';

const redis = connectRedis('redis://127.0.0.1:6379/0', 'logs-store-test');
const keys = keysFor(`ls-${randomBytes(4).toString('hex')}`);
const logs = new AppLogs(redis, keys.prefix, 1000);

afterAll(async () => {
  const left = await redis.keys(`${keys.prefix}*`);
  if (left.length) await redis.del(...left);
  await redis.quit();
});

describe('AppLogs', () => {
  it('appends lines of one process as entries, in order, including empty and non-ASCII lines', async () => {
    const lines = ['first', '', 'ünïcødé ✓ "quoted" \\ back', '   indented', 'last'];
    await logs.appendLines('a1', 'router', 'router', lines, 1234);
    const got = await logs.recent('a1', 10);
    expect(got.map((e) => e.line)).toEqual(lines);
    expect(got.every((e) => e.source === 'router' && e.process === 'router' && e.time === 1234)).toBe(true);
  });

  it('keeps a line with a newline inside as one entry', async () => {
    await logs.appendLines('a2', 'app', 'web.1', ['one', 'two\nhalves', 'three']);
    expect((await logs.recent('a2', 10)).map((e) => e.line)).toEqual(['one', 'two\nhalves', 'three']);
  });

  it('appends mixed entries in one command, and caps the stream near the retention', async () => {
    await logs.append('a3', [
      { source: 'gantry', process: 'api', line: 'Scaled to web@2:basic by a@b' },
      { source: 'app', process: 'web.2', line: 'hello' },
    ]);
    expect((await logs.recent('a3', 10)).map((e) => [e.source, e.process, e.line])).toEqual([
      ['gantry', 'api', 'Scaled to web@2:basic by a@b'],
      ['app', 'web.2', 'hello'],
    ]);
    await logs.appendLines('a4', 'app', 'web.1', Array.from({ length: 3000 }, (_, i) => `line ${i}`));
    const len = await redis.xlen(logs.key('a4'));
    expect(len).toBeGreaterThanOrEqual(1000);
    expect(len).toBeLessThan(3000);
    expect((await logs.recent('a4', 1))[0]!.line).toBe('line 2999');
  });
});
