import { describe, expect, it } from 'vitest';
import { BackendRegistry, createBackendState, createPool, eject, isEjected, pickBackend, type BackendState } from './balancer';

const backend = (n: number): BackendState => createBackendState({ id: `c${n}`, host: '127.0.0.1', port: 10_000 + n, process: `web.${n}` });
const NOW = 1_000_000;

describe('pickBackend', () => {
  it('returns nothing for an empty pool', () => {
    expect(pickBackend(createPool([]), NOW)).toBeUndefined();
  });

  it('goes round-robin when loads are equal', () => {
    const pool = createPool([backend(1), backend(2), backend(3)]);
    const picked = Array.from({ length: 6 }, () => pickBackend(pool, NOW)!.process);
    expect(picked).toEqual(['web.1', 'web.2', 'web.3', 'web.1', 'web.2', 'web.3']);
  });

  it('prefers the instance with the fewest outstanding requests', () => {
    const [a, b, c] = [backend(1), backend(2), backend(3)];
    a.inflight = 3;
    b.inflight = 1;
    c.inflight = 2;
    const pool = createPool([a, b, c]);
    for (let i = 0; i < 3; i++) expect(pickBackend(pool, NOW)).toBe(b);
  });

  it('spreads concurrent requests when outstanding counts are tracked', () => {
    const list = [backend(1), backend(2)];
    const pool = createPool(list);
    for (let i = 0; i < 10; i++) pickBackend(pool, NOW)!.inflight++;
    expect(list.map((b) => b.inflight)).toEqual([5, 5]);
  });

  it('skips ejected instances while the ejection lasts', () => {
    const [a, b] = [backend(1), backend(2)];
    const pool = createPool([a, b]);
    eject(a, NOW, 2000);
    expect(isEjected(a, NOW + 1999)).toBe(true);
    for (let i = 0; i < 4; i++) expect(pickBackend(pool, NOW + 1000)).toBe(b);
    expect(isEjected(a, NOW + 2000)).toBe(false);
    const after = new Set([pickBackend(pool, NOW + 2000), pickBackend(pool, NOW + 2000)]);
    expect(after).toEqual(new Set([a, b]));
  });

  it('prefers a healthy instance even when it is busier', () => {
    const [a, b] = [backend(1), backend(2)];
    b.inflight = 50;
    eject(a, NOW, 2000);
    expect(pickBackend(createPool([a, b]), NOW)).toBe(b);
  });

  it('still picks an ejected instance when all are ejected', () => {
    const [a, b] = [backend(1), backend(2)];
    eject(a, NOW, 2000);
    eject(b, NOW, 2000);
    b.inflight = 1;
    expect(pickBackend(createPool([a, b]), NOW)).toBe(a);
  });

  it('never returns an excluded (already tried) instance', () => {
    const [a, b, c] = [backend(1), backend(2), backend(3)];
    const pool = createPool([a, b, c]);
    for (let i = 0; i < 5; i++) expect(pickBackend(pool, NOW, [a, c])).toBe(b);
    expect(pickBackend(pool, NOW, [a, b, c])).toBeUndefined();
  });
});

describe('BackendRegistry', () => {
  it('keeps one state per instance across table updates and forgets unused ones', () => {
    const registry = new BackendRegistry();
    const spec = { id: 'c1', host: '127.0.0.1', port: 10_001, process: 'web.1' };
    const first = registry.obtain(spec);
    first.inflight = 2;
    expect(registry.obtain({ ...spec })).toBe(first);
    expect(registry.obtain({ ...spec, port: 10_002 })).not.toBe(first);
    expect(registry.size).toBe(2);
    registry.retainOnly([createPool([first])]);
    expect(registry.size).toBe(1);
    expect(registry.obtain(spec)).toBe(first);
  });

  it('names the process by id when the route has no process name', () => {
    expect(createBackendState({ id: 'c9', host: 'h', port: 1, process: '' }).process).toBe('c9');
  });
});
