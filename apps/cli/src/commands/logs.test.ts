import { describe, expect, it } from 'vitest';
import { ndjsonBatches, reconnectDelayMs, watchedBody } from './logs';

const enc = (s: string) => new TextEncoder().encode(s);

async function* chunks(...parts: string[]): AsyncGenerator<Uint8Array> {
  for (const p of parts) yield enc(p);
}

describe('ndjsonBatches', () => {
  it('joins lines split across chunks and skips keep-alive blank lines', async () => {
    const got = [];
    for await (const b of ndjsonBatches(chunks('{"id":"1-0","li', 'ne":"a"}\n\n', '\n{"id":"2-0","line":"b"}\n'))) got.push(b.map((l) => l.id));
    expect(got).toEqual([['1-0'], ['2-0']]);
  });
});

describe('watchedBody', () => {
  it('passes chunks through while they keep coming', async () => {
    let aborted: Error | undefined;
    const out: string[] = [];
    for await (const c of watchedBody(chunks('a', 'b'), (e) => (aborted = e), 1000)) out.push(new TextDecoder().decode(c));
    expect(out).toEqual(['a', 'b']);
    expect(aborted).toBeUndefined();
  });

  it('aborts a stream that goes silent', async () => {
    let release: () => void = () => {};
    async function* silent(): AsyncGenerator<Uint8Array> {
      yield enc('{"id":"1-0"}\n');
      await new Promise<void>((r) => (release = r));
    }
    let aborted: Error | undefined;
    const it = watchedBody(silent(), (e) => {
      aborted = e;
      release();
    }, 50);
    expect((await it.next()).done).toBe(false);
    expect((await it.next()).done).toBe(true); // ended by the abort, not by the source
    expect(aborted?.message).toBe('no data for 0.05 s');
  });
});

describe('reconnectDelayMs', () => {
  it('doubles from 0.5 s up to 5 s', () => {
    expect([0, 1, 2, 3, 4, 9].map(reconnectDelayMs)).toEqual([500, 1000, 2000, 4000, 5000, 5000]);
  });
});
