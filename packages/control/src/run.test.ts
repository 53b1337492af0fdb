import { describe, expect, it } from 'vitest';
import { InvalidInput } from '@gantry/core';
import { validateRunInput } from './run';

describe('validateRunInput', () => {
  it('accepts a command and environment of ordinary text', () => {
    const input = { argv: ['bash', '-c', 'echo "$A"'], env: { A: 'line\nnext\ttab' } };
    expect(validateRunInput(input)).toBe(input);
  });

  it.each([
    ['an argument with a NUL', { argv: ['echo', 'a\u0000b'], env: {} }, /Argument 2 of the command contains a NUL/],
    ['an env value with a NUL', { argv: ['env'], env: { A: '\u0000' } }, /Config var A contains a NUL/],
    ['an env value with a lone surrogate', { argv: ['env'], env: { A: '\ud800' } }, /Config var A contains an unpaired UTF-16 surrogate/],
  ])('refuses %s as invalid input', (_what, input, message) => {
    expect(() => validateRunInput(input)).toThrow(InvalidInput);
    expect(() => validateRunInput(input)).toThrow(message);
  });
});
