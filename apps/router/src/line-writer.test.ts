import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createLineWriter } from './line-writer';

describe('createLineWriter', () => {
  it('writes the lines of one turn together, in order', async () => {
    const writes: string[] = [];
    const w = createLineWriter((c) => writes.push(c));
    w.write('a\n');
    w.write('b\n');
    expect(writes).toEqual([]);
    await nextTurn();
    expect(writes).toEqual(['a\nb\n']);
    w.write('c\n');
    await nextTurn();
    expect(writes).toEqual(['a\nb\n', 'c\n']);
  });

  it('flushes at once on demand and when much is pending', () => {
    const writes: string[] = [];
    const w = createLineWriter((c) => writes.push(c));
    w.write('x\n');
    w.flush();
    expect(writes).toEqual(['x\n']);
    w.write('y'.repeat(70_000));
    expect(writes).toHaveLength(2);
    w.flush();
    expect(writes).toHaveLength(2);
  });
});
