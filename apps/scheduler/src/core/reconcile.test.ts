import { describe, expect, it } from 'vitest';
import { reconcile, type ActualInstance } from './reconcile';

const inst = (id: string, releaseId: string, type: string, index: number, extra: Partial<ActualInstance> = {}): ActualInstance => ({
  id,
  releaseId,
  type,
  index,
  alive: true,
  createdAt: 1,
  ...extra,
});

describe('reconcile', () => {
  it('starts every missing slot of the desired formation', () => {
    const plan = reconcile({ releaseId: 'r2', quantities: { web: 2, worker: 1 } }, []);
    expect(plan.start).toEqual([
      { type: 'web', index: 1 },
      { type: 'web', index: 2 },
      { type: 'worker', index: 1 },
    ]);
    expect(plan.stop).toEqual([]);
  });

  it('keeps matching instances and stops old releases, extra slots and unknown types', () => {
    const actual = [inst('a', 'r2', 'web', 1), inst('b', 'r1', 'web', 1), inst('c', 'r2', 'web', 3), inst('d', 'r2', 'clock', 1)];
    const plan = reconcile({ releaseId: 'r2', quantities: { web: 2 } }, actual);
    expect(plan.keep.map((i) => i.id)).toEqual(['a']);
    expect(plan.start).toEqual([{ type: 'web', index: 2 }]);
    expect(plan.stop.map((i) => i.id).sort()).toEqual(['b', 'c', 'd']);
  });

  it('keeps the newest of duplicates and replaces dead instances', () => {
    const plan = reconcile({ releaseId: 'r', quantities: { web: 2 } }, [
      inst('old', 'r', 'web', 1, { createdAt: 1 }),
      inst('new', 'r', 'web', 1, { createdAt: 2 }),
      inst('dead', 'r', 'web', 2, { alive: false }),
    ]);
    expect(plan.keep.map((i) => i.id)).toEqual(['new']);
    expect(plan.start).toEqual([{ type: 'web', index: 2 }]);
    expect(plan.stop.map((i) => i.id).sort()).toEqual(['dead', 'old']);
  });

  it('stops everything when nothing is desired (no release yet, or scaled to 0)', () => {
    expect(reconcile(null, [inst('a', 'r', 'web', 1)]).stop.map((i) => i.id)).toEqual(['a']);
    expect(reconcile({ releaseId: 'r', quantities: { web: 0 } }, [inst('a', 'r', 'web', 1)]).stop.map((i) => i.id)).toEqual(['a']);
  });
});
