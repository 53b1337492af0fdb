import { describe, expect, it } from 'vitest';
import { parseTarget } from './instances';

describe('parseTarget (ps:restart, ps:stop)', () => {
  it.each([
    [undefined, {}],
    ['web', { type: 'web' }],
    ['web.2', { type: 'web', index: 2 }],
    ['my_worker-1.10', { type: 'my_worker-1', index: 10 }],
  ])('%s', (input, expected) => expect(parseTarget(input)).toEqual(expected));

  it.each(['web.0', 'web.', '.2', 'web.2.1', 'we b', 'web.x'])('refuses %s', (input) => {
    expect(() => parseTarget(input)).toThrow(/Name a process type \(web\) or an instance \(web\.2\)/);
  });
});
