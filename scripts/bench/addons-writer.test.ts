import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lostWrites, Writer, writePause } from './addons-writer';

describe('writePause', () => {
  it('is the longest gap between acknowledgements', () => expect(writePause([1000, 1010, 3500, 3520])).toBe(2490));
  it('is 0 with fewer than two writes', () => {
    expect(writePause([])).toBe(0);
    expect(writePause([5])).toBe(0);
  });
});

describe('lostWrites', () => {
  it('lists acknowledged ids the database lacks, in order', () => expect(lostWrites([1, 2, 3, 4], [1, 3, 9])).toEqual([2, 4]));
  it('is empty when all are held', () => expect(lostWrites([1, 2], [2, 1])).toEqual([]));
});

describe('Writer', () => {
  // A real HTTP server standing in for the app: acknowledges even ids only, and checks the Host header.
  let server: Server;
  let port = 0;
  const hosts = new Set<string>();
  beforeAll(async () => {
    server = createServer((req, res) => {
      hosts.add(req.headers.host ?? '');
      const id = Number(new URL(req.url!, 'http://x').searchParams.get('id'));
      res.writeHead(req.method === 'POST' && id % 2 === 0 ? 200 : 503).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('keeps only acknowledged ids with their times, counts the rest as failed', async () => {
    const w = new Writer({ port, host: 'app.bench.test' }, 10);
    while (w.acked.length < 3) await new Promise((r) => setTimeout(r, 10));
    await w.stop();
    expect(w.acked.slice(0, 3)).toEqual([10, 12, 14]);
    expect(w.acked.every((id) => id % 2 === 0)).toBe(true);
    expect(w.at).toHaveLength(w.acked.length);
    expect(w.failed).toBeGreaterThanOrEqual(w.acked.length - 1);
    expect(w.nextId()).toBeGreaterThan(w.acked.at(-1)!);
    expect([...hosts]).toEqual(['app.bench.test']);
  });
});
