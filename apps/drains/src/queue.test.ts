import { describe, expect, it } from 'vitest';
import { DropOldestQueue } from './queue';

describe('DropOldestQueue', () => {
  it('hands items back in order, in batches', () => {
    const q = new DropOldestQueue<number>(5);
    [1, 2, 3].forEach((n) => q.push(n));
    expect(q.take(2)).toEqual([1, 2]);
    q.push(4);
    expect(q.size).toBe(2);
    expect(q.take(10)).toEqual([3, 4]);
    expect(q.take(10)).toEqual([]);
    expect(q.dropped).toBe(0);
  });

  it('drops the oldest items when full and counts them', () => {
    const q = new DropOldestQueue<number>(3);
    for (let n = 1; n <= 10; n++) q.push(n);
    expect(q.size).toBe(3);
    expect(q.dropped).toBe(7);
    expect(q.take(10)).toEqual([8, 9, 10]);
  });

  it('keeps its order across the wrap-around of the ring', () => {
    const q = new DropOldestQueue<number>(4);
    const seen: number[] = [];
    for (let n = 1; n <= 100; n++) {
      q.push(n);
      if (n % 3 === 0) seen.push(...q.take(2));
    }
    seen.push(...q.take(10));
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(seen.length + q.dropped).toBe(100);
    expect(seen.at(-1)).toBe(100);
  });

  it('refuses a capacity below one', () => {
    expect(() => new DropOldestQueue(0)).toThrow(/positive integer/);
  });
});
