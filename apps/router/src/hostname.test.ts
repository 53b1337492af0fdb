import { describe, expect, it } from 'vitest';
import { isValidHost, normalizeHost } from './hostname';

describe('normalizeHost', () => {
  it.each([
    ['myapp.localhost', 'myapp.localhost'],
    ['MyApp.LocalHost', 'myapp.localhost'],
    ['myapp.localhost:8080', 'myapp.localhost'],
    ['myapp.example.com.', 'myapp.example.com'],
    ['MyApp.Example.com.:8080', 'myapp.example.com'],
    ['127.0.0.1:8080', '127.0.0.1'],
    ['[::1]:8080', '[::1]'],
    ['[::1]', '[::1]'],
    ['localhost', 'localhost'],
  ])('%s -> %s', (raw, expected) => {
    expect(normalizeHost(raw)).toBe(expected);
  });

  it('is empty without a Host header', () => {
    expect(normalizeHost(undefined)).toBe('');
    expect(normalizeHost('')).toBe('');
  });
});

describe('isValidHost', () => {
  it.each([
    'a.localhost',
    'A-b_c~d.example.com',
    'a.localhost:8080',
    'a.localhost:',
    'a.localhost:65535',
    'a.localhost:0',
    '127.0.0.1',
    '127.0.0.1:80',
    '[::1]',
    '[::1]:8443',
    '[::ffff:10.0.0.1]:80',
    'xn--caf-dma.example',
    'a%2Eb',
    '',
  ])('accepts %j', (host) => {
    expect(isValidHost(host)).toBe(true);
  });

  it.each([
    ['a port that is not a number', 'a.localhost:http'],
    ['a port over 65535', 'a.localhost:65536'],
    ['a port of 6 digits', 'a.localhost:000080'],
    ['a signed port', 'a.localhost:+80'],
    ['two ports', 'a.localhost:80:80'],
    ['a port with a space', 'a.localhost: 80'],
    ['userinfo', 'user@a.localhost'],
    ['a path', 'a.localhost/x'],
    ['a space', 'a localhost'],
    ['a comma list', 'a.localhost, b.localhost'],
    ['a bad percent escape', 'a%zz'],
    ['a bracket left open', '[::1'],
    ['empty brackets', '[]'],
    ['text after brackets', '[::1]x'],
    ['a name in brackets', '[a.localhost]'],
    ['a bare IPv6 address', '::1'],
    ['non-ASCII', 'caf\u00e9.example'],
  ])('refuses %s', (_what, host) => {
    expect(isValidHost(host)).toBe(false);
  });
});
