import { describe, expect, it } from 'vitest';
import { matchesLogFilter } from './logs';

describe('matchesLogFilter', () => {
  const e = (process: string, source = 'app' as const) => ({ process, source });
  it.each([
    ['web', 'web.1', true],
    ['web', 'web.1/metrics', true],
    ['web.1', 'web.1', true],
    ['web.1', 'web.1/metrics', true],
    ['web.1', 'web.10', false],
    ['web.1', 'web.10/metrics', false],
    ['web.1/metrics', 'web.1/metrics', true],
    ['web.1/metrics', 'web.1', false],
    ['web.1/metrics', 'web.1/metrics2', false],
    ['worker', 'web.1/metrics', false],
  ])('--ps %s on %s: %s', (ps, process, shown) => {
    expect(matchesLogFilter(e(process), { process: ps })).toBe(shown);
  });
});
