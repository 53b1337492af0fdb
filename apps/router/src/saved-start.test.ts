import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { Logger } from './log';
import { savedStart } from './saved-start';
import type { RouterSnapshot, SnapshotRead } from './snapshot';
import type { RedisConnection } from './table';

/** Stands in for an ioredis connection: only its status and its events are used. */
function connection(status = 'connecting') {
  return Object.assign(new EventEmitter(), { status }) as unknown as RedisConnection & EventEmitter;
}

function logger() {
  const lines: string[] = [];
  const log: Logger = { debug: () => {}, info: (m) => void lines.push(m), warn: (m) => void lines.push(m), error: (m) => void lines.push(m) };
  return { lines, log };
}

const snapshot: RouterSnapshot = { instance: 'main', savedAt: 0, table: { version: 4, routes: {} }, certs: new Map() };

function store(read: SnapshotRead) {
  let reads = 0;
  return {
    path: '/state/snapshot.main.json',
    load: async () => (reads++, read),
    get reads() {
      return reads;
    },
  };
}

async function settledWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  return Promise.race([p.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);
}

describe('savedStart', () => {
  it('gives up on Redis at once when the connection attempt fails, and says why when it loads the snapshot (once)', async () => {
    const redis = connection();
    const { lines, log } = logger();
    const s = store({ kind: 'loaded', snapshot });
    const start = savedStart({ redis, store: s, deadlineMs: 60_000, log });
    redis.emit('error', new Error('connect ECONNREFUSED 127.0.0.1:6379'));
    expect(await settledWithin(start.unreachable, 50)).toBe(true);
    expect(await start.load()).toBe(snapshot);
    expect(await start.load()).toBe(snapshot);
    expect(s.reads).toBe(1);
    expect(lines).toEqual([expect.stringMatching(/^at=warn code=redis_unreachable_at_start desc="Redis is unreachable \(connect ECONNREFUSED 127\.0\.0\.1:6379\): serving the saved table" version=4 routes=0/)]);
  });

  it('waits the whole deadline for a Redis that neither answers nor refuses', async () => {
    const { log, lines } = logger();
    const start = savedStart({ redis: connection(), store: store({ kind: 'missing' }), deadlineMs: 120, log });
    expect(await settledWithin(start.unreachable, 60)).toBe(false);
    expect(await settledWithin(start.unreachable, 200)).toBe(true);
    expect(await start.load()).toBeUndefined();
    expect(lines[0]).toContain('Redis did not answer within 120 ms and there is no saved table at /state/snapshot.main.json; waiting for Redis');
  });

  it('once Redis answered, a later error does not cut the wait short', async () => {
    const redis = connection();
    const start = savedStart({ redis, store: store({ kind: 'missing' }), deadlineMs: 150, log: logger().log });
    redis.on('error', () => {}); // the table's own listener, in the router
    redis.emit('ready');
    redis.emit('error', new Error('read ECONNRESET'));
    expect(await settledWithin(start.unreachable, 60)).toBe(false);
  });

  it('names the reason a corrupt snapshot cannot be used', async () => {
    const { log, lines } = logger();
    const redis = connection();
    const start = savedStart({ redis, store: store({ kind: 'corrupt', reason: 'x is not JSON' }), deadlineMs: 60_000, log });
    redis.emit('error', new Error('getaddrinfo ENOTFOUND redis'));
    await start.unreachable;
    expect(await start.load()).toBeUndefined();
    expect(lines[0]).toContain('Redis is unreachable (getaddrinfo ENOTFOUND redis) and the saved table cannot be used: x is not JSON; waiting for Redis');
  });
});
