import { describe, expect, it } from 'vitest';
import { CliError } from '../args';
import { displayCommand, parseEnvArgs } from './dynos';

describe('run arguments', () => {
  it('parses --env KEY=VALUE, values kept as given', () => {
    expect(parseEnvArgs(['A=1', 'B=x=y', 'C='])).toEqual({ A: '1', B: 'x=y', C: '' });
    expect(() => parseEnvArgs(['=1'])).toThrow(CliError);
    expect(() => parseEnvArgs(['1A=1'])).toThrow(/Invalid config var name/);
    expect(() => parseEnvArgs(['NOVALUE'])).toThrow(/KEY=VALUE/);
  });

  it('shows the command as one would type it (quoting only what needs it)', () => {
    expect(displayCommand(['node', '-e', 'console.log(1)'])).toBe("node -e 'console.log(1)'");
    expect(displayCommand(['printenv', 'X'])).toBe('printenv X');
    expect(displayCommand(['sh', '-c', "echo 'a'"])).toBe(`sh -c 'echo '\\''a'\\'''`);
  });
});
