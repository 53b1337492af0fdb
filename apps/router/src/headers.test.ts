import type { IncomingHttpHeaders } from 'node:http';
import { describe, expect, it } from 'vitest';
import { clientAddress, isValidRequestId, prepareForwardHeaders, requestIdFor } from './headers';

const client = { remoteAddress: '10.1.2.3', encrypted: false, localPort: 8080, requestId: 'req-id-0123456789abcdef' };

describe('request ids', () => {
  it('accepts 20 to 200 characters of [A-Za-z0-9+/=_-]', () => {
    expect(isValidRequestId('a'.repeat(20))).toBe(true);
    expect(isValidRequestId('a'.repeat(200))).toBe(true);
    expect(isValidRequestId('AZaz09+/=_-AZaz09+/=_-')).toBe(true);
    expect(isValidRequestId('f67b1d67-f76f-40d1-994c-a791dd7bc7c9')).toBe(true);
  });

  it('rejects too short, too long, other characters and non-strings', () => {
    expect(isValidRequestId('a'.repeat(19))).toBe(false);
    expect(isValidRequestId('a'.repeat(201))).toBe(false);
    expect(isValidRequestId('abcdefghijklmnopqrst uvw')).toBe(false);
    expect(isValidRequestId('abcdefghijklmnopqrst<script>')).toBe(false);
    expect(isValidRequestId('abcdefghijklmnopqrst\n')).toBe(false);
    expect(isValidRequestId(['a'.repeat(30)])).toBe(false);
    expect(isValidRequestId(undefined)).toBe(false);
  });

  it('keeps a valid client id and replaces an invalid one', () => {
    const valid = 'client-supplied-request-id-42';
    expect(requestIdFor({ 'x-request-id': valid }, () => 'new')).toBe(valid);
    expect(requestIdFor({ 'x-request-id': 'short' }, () => 'new')).toBe('new');
    expect(requestIdFor({}, () => 'new')).toBe('new');
  });

  it('makes UUIDs by default', () => {
    expect(requestIdFor({})).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });
});

describe('prepareForwardHeaders', () => {
  it('sets the X-Forwarded-* headers, the request id and Via', () => {
    const h: IncomingHttpHeaders = { host: 'myapp.localhost:9999' };
    prepareForwardHeaders(h, client, false);
    expect(h).toEqual({
      host: 'myapp.localhost:9999',
      'x-forwarded-for': '10.1.2.3',
      'x-forwarded-proto': 'http',
      // The listener's port, not the one the client wrote in Host.
      'x-forwarded-port': '8080',
      'x-forwarded-host': 'myapp.localhost:9999',
      'x-request-id': 'req-id-0123456789abcdef',
      via: '1.1 gantry',
    });
  });

  it('appends to X-Forwarded-For and Via, overrides client-sent proto, port and host', () => {
    const h: IncomingHttpHeaders = {
      host: 'myapp.localhost',
      'x-forwarded-for': '203.0.113.9',
      'x-forwarded-proto': 'https',
      'x-forwarded-port': '443',
      'x-forwarded-host': 'evil.example',
      via: '1.1 cdn',
    };
    prepareForwardHeaders(h, { ...client, remoteAddress: '::ffff:10.9.9.9' }, false);
    expect(h['x-forwarded-for']).toBe('203.0.113.9, 10.9.9.9');
    expect(h['x-forwarded-proto']).toBe('http');
    expect(h['x-forwarded-port']).toBe('8080');
    expect(h['x-forwarded-host']).toBe('myapp.localhost');
    expect(h.via).toBe('1.1 cdn, 1.1 gantry');
  });

  it('uses https and the TLS listener\'s port for TLS clients; 80/443 when the port is unknown', () => {
    const h: IncomingHttpHeaders = { host: 'myapp.example.com:1234' };
    prepareForwardHeaders(h, { ...client, encrypted: true, localPort: 8443 }, false);
    expect(h['x-forwarded-proto']).toBe('https');
    expect(h['x-forwarded-port']).toBe('8443');
    prepareForwardHeaders(h, { ...client, encrypted: true, localPort: undefined }, false);
    expect(h['x-forwarded-port']).toBe('443');
    prepareForwardHeaders(h, { ...client, localPort: undefined }, false);
    expect(h['x-forwarded-port']).toBe('80');
  });

  it('removes hop-by-hop headers and those named by Connection, but never Host or the body framing', () => {
    const h: IncomingHttpHeaders = {
      host: 'myapp.localhost',
      connection: 'keep-alive, X-Secret, host, content-length, Upgrade',
      'x-secret': '1',
      'keep-alive': 'timeout=5',
      'proxy-connection': 'keep-alive',
      te: 'trailers',
      expect: '100-continue',
      upgrade: 'h2c',
      'content-length': '3',
    };
    prepareForwardHeaders(h, client, false);
    for (const name of ['connection', 'x-secret', 'keep-alive', 'proxy-connection', 'te', 'expect', 'upgrade']) expect(h[name]).toBeUndefined();
    expect(h.host).toBe('myapp.localhost');
    expect(h['content-length']).toBe('3');
  });

  it('keeps Connection and Upgrade for a websocket upgrade', () => {
    const h: IncomingHttpHeaders = { host: 'myapp.localhost', connection: 'keep-alive, Upgrade', upgrade: 'websocket', 'keep-alive': 'x' };
    prepareForwardHeaders(h, client, true);
    expect(h.connection).toBe('keep-alive, Upgrade');
    expect(h.upgrade).toBe('websocket');
    expect(h['keep-alive']).toBeUndefined();
  });
});

describe('clientAddress', () => {
  it('unwraps IPv4-mapped IPv6 addresses only', () => {
    expect(clientAddress('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(clientAddress('::1')).toBe('::1');
    expect(clientAddress('2001:db8::1')).toBe('2001:db8::1');
    expect(clientAddress(undefined)).toBeUndefined();
  });
});
