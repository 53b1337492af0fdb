import { describe, expect, it } from 'vitest';
import { applyConfigChange, parseAssignments } from './config-vars';

describe('config vars', () => {
  it('parses KEY=VALUE arguments, keeping "=" inside values', () => {
    expect(parseAssignments(['A=1', 'URL=postgres://x?a=b', 'EMPTY='])).toEqual({ A: '1', URL: 'postgres://x?a=b', EMPTY: '' });
  });

  it.each([['NOEQUALS'], ['=value'], ['1A=x'], ['PORT=80'], ['DYNO=web.1']])('refuses %s', (arg) => {
    expect(() => parseAssignments([arg])).toThrow();
  });

  it('applies sets and unsets and reports only real changes', () => {
    const out = applyConfigChange({ A: '1', B: '2' }, { A: '1', B: null, C: '3', D: null });
    expect(out).toEqual({ vars: { A: '1', C: '3' }, set: ['C'], unset: ['B'] });
  });

  it('limits sizes', () => {
    expect(() => applyConfigChange({}, { BIG: 'x'.repeat(33 * 1024) })).toThrow(/32 KB/);
    const many = Object.fromEntries(Array.from({ length: 3 }, (_, i) => [`K${i}`, 'x'.repeat(30 * 1024)]));
    expect(() => applyConfigChange({}, many)).toThrow(/64 KB/);
  });
});
