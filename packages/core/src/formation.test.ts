import { describe, expect, it } from 'vitest';
import { InvalidInput } from './errors';
import { assertScalableType, planFormation, undefinedFormationTypes, type StoredFormationEntry } from './formation';

const entry = (type: string, quantity: number, setByUser = false, size = 'standard-1x'): StoredFormationEntry => ({ type, quantity, size, setByUser });

describe('planFormation', () => {
  const cases: {
    name: string;
    types: Record<string, string>;
    existing: StoredFormationEntry[];
    manifest?: Parameters<typeof planFormation>[2];
    want: ReturnType<typeof planFormation>;
  }[] = [
    {
      name: 'new types without app.json: web=1, others 0',
      types: { web: 'a', worker: 'b' },
      existing: [],
      want: { create: [{ type: 'web', quantity: 1, size: 'standard-1x' }, { type: 'worker', quantity: 0, size: 'standard-1x' }], update: [] },
    },
    {
      name: 'new types take app.json quantity and size (a worker-only app)',
      types: { web: 'a', worker: 'b' },
      existing: [],
      manifest: { web: { quantity: 0 }, worker: { quantity: 1, size: 'basic' } },
      want: { create: [{ type: 'web', quantity: 0, size: 'standard-1x' }, { type: 'worker', quantity: 1, size: 'basic' }], update: [] },
    },
    {
      name: 'a size alone keeps the default quantity',
      types: { web: 'a' },
      existing: [],
      manifest: { web: { size: 'standard-2x' } },
      want: { create: [{ type: 'web', quantity: 1, size: 'standard-2x' }], update: [] },
    },
    {
      name: 'existing entries never set by hand follow app.json',
      types: { web: 'a', worker: 'b' },
      existing: [entry('web', 1), entry('worker', 0)],
      manifest: { web: { quantity: 0 }, worker: { quantity: 2, size: 'basic' } },
      want: { create: [], update: [{ type: 'web', quantity: 0 }, { type: 'worker', quantity: 2, size: 'basic' }] },
    },
    {
      name: 'entries set by hand (ps:scale, ps:type) are never overridden',
      types: { web: 'a', worker: 'b' },
      existing: [entry('web', 3, true), entry('worker', 2, true, 'basic')],
      manifest: { web: { quantity: 1 }, worker: { quantity: 1, size: 'standard-2x' } },
      want: { create: [], update: [] },
    },
    {
      name: 'nothing to change when the entry already matches',
      types: { worker: 'b' },
      existing: [entry('worker', 1)],
      manifest: { worker: { quantity: 1, size: 'standard-1x' } },
      want: { create: [], update: [] },
    },
    {
      name: 'existing entries without app.json keep their quantity',
      types: { web: 'a' },
      existing: [entry('web', 4)],
      want: { create: [], update: [] },
    },
    {
      name: 'release never gets an entry',
      types: { web: 'a', release: 'migrate' },
      existing: [],
      want: { create: [{ type: 'web', quantity: 1, size: 'standard-1x' }], update: [] },
    },
    {
      name: 'types the release lacks are left alone; app.json types the release lacks are ignored',
      types: { web: 'a' },
      existing: [entry('web', 1), entry('old', 2)],
      manifest: { old: { quantity: 0 }, ghost: { quantity: 3 } },
      want: { create: [], update: [] },
    },
  ];
  for (const c of cases) {
    it(c.name, () => expect(planFormation(c.types, c.existing, c.manifest)).toEqual(c.want));
  }
});

describe('undefinedFormationTypes', () => {
  it('lists app.json types the release does not define', () => {
    expect(undefinedFormationTypes({ web: {}, clock: { quantity: 1 }, beat: {} }, { web: 'x' })).toEqual(['beat', 'clock']);
    expect(undefinedFormationTypes({}, { web: 'x' })).toEqual([]);
  });
});

describe('assertScalableType', () => {
  it('refuses release with a clear error and accepts every other type', () => {
    expect(() => assertScalableType('release')).toThrow(InvalidInput);
    expect(() => assertScalableType('release')).toThrow('release runs once per release, in the release phase; it cannot be scaled.');
    expect(() => assertScalableType('web')).not.toThrow();
    expect(() => assertScalableType('releases')).not.toThrow();
  });
});
