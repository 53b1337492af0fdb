import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { clearedSessionCookie, credentialsFrom, csrfAllows, assertCsrf, parseCookies, sessionCookie } from './auth';
import { sessionTokenName } from './routes/session';

const req = (method: string, headers: Record<string, string>) => ({ method, headers, socket: {} }) as unknown as IncomingMessage;

describe('parseCookies', () => {
  it.each([
    [undefined, {}],
    ['', {}],
    ['a=1', { a: '1' }],
    ['a=1; b=2', { a: '1', b: '2' }],
    ['  a = 1 ;b=two words ', { a: '1', b: 'two words' }],
    ['a=1; a=2', { a: '1' }],
    ['a="quoted"', { a: 'quoted' }],
    ['a=x%3Dy', { a: 'x=y' }],
    ['a=%E0%A4%A', { a: '%E0%A4%A' }],
    ['novalue; =nokey; c=3', { c: '3' }],
    ['t=abc=def', { t: 'abc=def' }],
  ])('%j', (header, want) => {
    expect(parseCookies(header)).toEqual(want);
  });
});

describe('session cookie', () => {
  it('is HttpOnly, SameSite=Lax, for the whole site, 14 days', () => {
    expect(sessionCookie('gt_abc', { secure: false })).toBe('gantry_session=gt_abc; Path=/; Max-Age=1209600; HttpOnly; SameSite=Lax');
  });
  it('is Secure over HTTPS', () => {
    expect(sessionCookie('gt_abc', { secure: true })).toMatch(/; Secure$/);
  });
  it('is cleared with Max-Age=0', () => {
    expect(clearedSessionCookie(false)).toBe('gantry_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax');
  });
  it('round-trips through parseCookies', () => {
    const set = sessionCookie('gt_a+b/c', { secure: false });
    expect(parseCookies(set.split(';')[0])).toEqual({ gantry_session: 'gt_a+b/c' });
  });
});

describe('credentialsFrom', () => {
  it('prefers the Authorization header over the cookie', () => {
    expect(credentialsFrom(req('GET', { authorization: 'Bearer tok', cookie: 'gantry_session=c' }))).toEqual({ token: 'tok', via: 'header' });
  });
  it('takes the session cookie without an Authorization header', () => {
    expect(credentialsFrom(req('GET', { cookie: 'other=1; gantry_session=c' }))).toEqual({ token: 'c', via: 'cookie' });
  });
  it('has none without either', () => {
    expect(credentialsFrom(req('GET', { cookie: 'other=1' }))).toEqual({ token: undefined, via: 'none' });
  });
});

describe('csrfAllows', () => {
  const base = { origin: undefined, host: 'gantry.example.com', csrfHeader: undefined };
  it.each([
    ['GET without anything', { ...base, method: 'GET' }, true],
    ['HEAD without anything', { ...base, method: 'HEAD' }, true],
    ['POST without anything', { ...base, method: 'POST' }, false],
    ['POST with the dashboard header', { ...base, method: 'POST', csrfHeader: '1' }, true],
    ['POST with another header value', { ...base, method: 'POST', csrfHeader: '0' }, false],
    ['PATCH from the same origin', { ...base, method: 'PATCH', origin: 'https://gantry.example.com' }, true],
    ['same origin, other case', { ...base, method: 'PATCH', origin: 'https://Gantry.Example.com' }, true],
    ['DELETE from another site', { ...base, method: 'DELETE', origin: 'https://evil.example' }, false],
    ['same name, other port', { ...base, method: 'POST', origin: 'http://gantry.example.com:8080' }, false],
    ['with the port on both', { ...base, method: 'POST', host: '127.0.0.1:13000', origin: 'http://127.0.0.1:13000' }, true],
    ['Origin "null"', { ...base, method: 'POST', origin: 'null' }, false],
    ['garbage Origin', { ...base, method: 'POST', origin: 'not a url' }, false],
    ['no Host', { ...base, method: 'POST', host: undefined, origin: 'https://gantry.example.com' }, false],
  ])('%s', (_, input, want) => {
    expect(csrfAllows(input)).toBe(want);
  });

  it('assertCsrf throws Forbidden for a cross-site form post', () => {
    expect(() => assertCsrf(req('POST', { host: 'g.test', origin: 'https://evil.test' }))).toThrow(/Cross-site request refused/);
    expect(() => assertCsrf(req('POST', { host: 'g.test', origin: 'http://g.test' }))).not.toThrow();
    expect(() => assertCsrf(req('POST', { host: 'internal:3000', 'x-forwarded-host': 'g.test', origin: 'https://g.test' }))).not.toThrow();
  });
});

describe('sessionTokenName', () => {
  it('names the browser, printable and short', () => {
    expect(sessionTokenName('Mozilla/5.0 (X11)')).toBe('dashboard Mozilla/5.0 (X11)');
    expect(sessionTokenName(undefined)).toBe('dashboard browser');
    expect(sessionTokenName('x'.repeat(300)).length).toBe('dashboard '.length + 80);
    expect(sessionTokenName('a\u0000\nb')).toBe('dashboard ab');
  });
});
