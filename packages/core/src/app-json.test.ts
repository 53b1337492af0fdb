import { describe, expect, it } from 'vitest';
import { parseAppJsonHealthChecks } from './app-json';

describe('parseAppJsonHealthChecks', () => {
  it('reads an HTTP startup check in the Dokku format', () => {
    const checks = parseAppJsonHealthChecks(JSON.stringify({ healthchecks: { web: [{ type: 'startup', path: '/health', timeout: 3, wait: 0.5, attempts: 4 }] } }));
    expect(checks.web).toEqual({ kind: 'http', path: '/health', timeoutMs: 3000, intervalMs: 500, initialDelayMs: 0, attempts: 4 });
  });

  it('defaults to a TCP check without a path, and ignores unknown check types', () => {
    const checks = parseAppJsonHealthChecks(JSON.stringify({ healthchecks: { web: [{ type: 'readiness', path: '/x' }, { type: 'startup' }] } }));
    expect(checks.web?.kind).toBe('tcp');
  });

  it('reads a liveness check beside the startup check', () => {
    const checks = parseAppJsonHealthChecks(
      JSON.stringify({ healthchecks: { web: [{ type: 'startup', path: '/ready' }, { type: 'liveness', path: '/live', wait: 2, timeout: 1, attempts: 4 }] } }),
    );
    expect(checks.web?.path).toBe('/ready');
    expect(checks.web?.liveness).toEqual({ kind: 'http', path: '/live', intervalMs: 2000, timeoutMs: 1000, failures: 4 });
  });

  it('has no checks when app.json has none', () => {
    expect(parseAppJsonHealthChecks('{"name":"x"}')).toEqual({});
  });

  it.each([
    ['{not json', /not valid JSON/],
    ['{"healthchecks": []}', /must be an object/],
    ['{"healthchecks": {"web": {}}}', /must be a list/],
    ['{"healthchecks": {"web": [{"path": "health"}]}}', /must start with "\/"/],
    ['{"healthchecks": {"web": [{"timeout": -1}]}}', /timeout must be a number/],
    ['{"healthchecks": {"web": [{"attempts": 0}]}}', /attempts must be a whole number/],
  ])('refuses %s', (text, message) => {
    expect(() => parseAppJsonHealthChecks(text)).toThrow(message);
  });
});
