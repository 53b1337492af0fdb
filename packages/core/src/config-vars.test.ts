import { describe, expect, it } from 'vitest';
import { applyConfigChange, configValueProblem, parseAssignments } from './config-vars';
import { InvalidInput } from './errors';

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

  // Postgres refuses both in text and jsonb (the API answered 500 "Internal error"), and no
  // process environment can hold a NUL: refused with InvalidInput (422) before anything is stored.
  it.each([
    ['a NUL', 'a\u0000b', /NUL character \(at position 1\)/],
    ['a lone high surrogate', 'x\ud800', /unpaired UTF-16 surrogate \(at position 1\)/],
    ['a lone low surrogate', '\udc00y', /unpaired UTF-16 surrogate \(at position 0\)/],
    ['surrogates in the wrong order', '\udc00\ud800', /unpaired/],
  ])('refuses a value with %s, as invalid input naming the var', (_what, value, message) => {
    let thrown: unknown;
    try {
      applyConfigChange({}, { SECRET: value });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(InvalidInput);
    expect((thrown as Error).message).toMatch(/^Config var SECRET /);
    expect((thrown as Error).message).toMatch(message);
    expect(() => parseAssignments([`SECRET=${value}`])).toThrow(message);
  });

  it('keeps every other character, control characters and paired surrogates included', () => {
    const value = 'tab\there\nline\r\u0001\u001f\u007f é 😀 \ud83d\ude00';
    expect(configValueProblem(value)).toBeUndefined();
    expect(applyConfigChange({}, { V: value }).vars.V).toBe(value);
  });
});
