import { describe, expect, it } from 'vitest';
import { releaseLine, scaledLine } from './events';

describe('platform event lines', () => {
  it('names the changed process types with quantity and size, and who scaled', () => {
    const formation = [
      { type: 'web', quantity: 3, size: 'standard-1x' },
      { type: 'worker', quantity: 1, size: 'standard-2x' },
    ];
    expect(scaledLine(formation, ['web'], 'alice@example.com')).toBe('Scaled to web@3:standard-1x by alice@example.com');
    expect(scaledLine(formation, ['web', 'worker'], 'bob')).toBe('Scaled to web@3:standard-1x worker@1:standard-2x by bob');
  });

  it('names the release, who made it and why', () => {
    expect(releaseLine({ version: 7, description: 'Set GREETING config var' }, 'alice@example.com')).toBe(
      'Release v7 created by alice@example.com: Set GREETING config var',
    );
    expect(releaseLine({ version: 2, description: '' }, 'bob')).toBe('Release v2 created by bob');
  });
});
