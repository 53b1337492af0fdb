import { describe, expect, it } from 'vitest';
import { hostPort, normalizeHost } from './hostname';

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

describe('hostPort', () => {
  it.each([
    ['a.localhost:8080', '8080'],
    ['a.localhost', undefined],
    ['a.localhost:', undefined],
    ['[::1]:443', '443'],
    ['[::1]', undefined],
    ['a.localhost:http', undefined],
    [undefined, undefined],
  ])('%s -> %s', (raw, expected) => {
    expect(hostPort(raw)).toBe(expected);
  });
});
