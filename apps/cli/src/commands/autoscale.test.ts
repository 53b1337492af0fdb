import { describe, expect, it } from 'vitest';
import { parseLatency, parsePercent, policyFromFlags, policyText } from './autoscale';

describe('autoscale flags', () => {
  it('reads one target and the bounds', () => {
    expect(policyFromFlags({ min: '1', max: '8', p95: '300ms' })).toEqual({ min: 1, max: 8, metric: 'p95', target: 300 });
    expect(policyFromFlags({ min: '2', max: '10', rps: '150' })).toEqual({ min: 2, max: 10, metric: 'rps', target: 150 });
    expect(policyFromFlags({ min: '1', max: '4', cpu: '70%' })).toEqual({ min: 1, max: 4, metric: 'cpu', target: 70 });
  });

  it('refuses no target, two targets, missing or crossed bounds', () => {
    expect(() => policyFromFlags({ min: '1', max: '8' })).toThrow('Give one target: --p95 300ms, --rps 150 or --cpu 70%.');
    expect(() => policyFromFlags({ min: '1', max: '8', p95: '300ms', cpu: '50%' })).toThrow('(not --p95 and --cpu)');
    expect(() => policyFromFlags({ max: '8', p95: '300ms' })).toThrow('Give the bounds: --min N --max N.');
    expect(() => policyFromFlags({ min: '5', max: '2', rps: '10' })).toThrow('--min (5) cannot be above --max (2).');
    expect(() => policyFromFlags({ min: '0', max: '2', rps: '10' })).toThrow('Invalid --min "0"');
  });

  it('reads times and percentages', () => {
    expect(parseLatency('1.5s')).toBe(1500);
    expect(parseLatency('250')).toBe(250);
    expect(() => parseLatency('fast')).toThrow('Invalid --p95 "fast"');
    expect(parsePercent('70')).toBe(70);
    expect(() => parsePercent('170%')).toThrow('from 1 to 100');
  });

  it('says what a policy does', () => {
    expect(policyText({ min: 1, max: 8, metric: 'p95', target: 300 })).toBe('1-8 on p95 300 ms');
    expect(policyText({ min: 2, max: 4, metric: 'cpu', target: 70 })).toBe('2-4 on CPU 70%');
    expect(policyText(null)).toBe('off (ps:scale)');
  });
});
