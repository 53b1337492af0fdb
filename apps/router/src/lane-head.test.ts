import { describe, expect, it } from 'vitest';
import { hasStrayLineEnd } from './http-chars';
import { parseLaneHead } from './lane-head';

const head = (lines: string[]) => lines.join('\r\n');

describe('parseLaneHead', () => {
  it('reads a plain bodyless request: method, target, fields as sent, Host, Connection, X-Request-Id', () => {
    const h = parseLaneHead(
      head(['GET /a/b?c=d%20e HTTP/1.1', 'Host: App.Localhost:8080', 'Accept: */*', 'connection: keep-alive', 'X-Request-Id: abc', 'X-Request-Id: second', 'Content-Length: 0']),
    );
    expect(h).toEqual({
      method: 'GET',
      url: '/a/b?c=d%20e',
      rawHeaders: ['Host', 'App.Localhost:8080', 'Accept', '*/*', 'connection', 'keep-alive', 'X-Request-Id', 'abc', 'X-Request-Id', 'second', 'Content-Length', '0'],
      host: 'App.Localhost:8080',
      connection: 'keep-alive',
      requestId: 'abc',
      contentLength: '0',
      bodyBytes: 0,
      close: false,
    });
  });

  it('trims optional whitespace around values and keeps latin1 text', () => {
    const h = parseLaneHead(head(['DELETE /x HTTP/1.1', 'Host:a.localhost', 'X-Name: \t caf\u00e9 \t']));
    expect(h?.rawHeaders).toEqual(['Host', 'a.localhost', 'X-Name', 'caf\u00e9']);
    expect(h?.host).toBe('a.localhost');
  });

  it('sees "close" among Connection tokens, across repeated fields', () => {
    expect(parseLaneHead(head(['GET / HTTP/1.1', 'Host: a', 'Connection: close']))?.close).toBe(true);
    expect(parseLaneHead(head(['GET / HTTP/1.1', 'Host: a', 'Connection: keep-alive', 'Connection: Close']))?.close).toBe(true);
    expect(parseLaneHead(head(['GET / HTTP/1.1', 'Host: a', 'Connection: keep-alive']))?.close).toBe(false);
    expect(parseLaneHead(head(['GET / HTTP/1.1', 'Host: a']))?.close).toBe(false);
  });

  it('reads the body length from one Content-Length field', () => {
    const h = parseLaneHead(head(['POST /p HTTP/1.1', 'Host: a', 'Content-Length: 1234']));
    expect(h?.contentLength).toBe('1234');
    expect(h?.bodyBytes).toBe(1234);
    expect(parseLaneHead(head(['GET / HTTP/1.1', 'Host: a']))?.bodyBytes).toBe(0);
  });

  it.each([
    ['HTTP/1.0', head(['GET / HTTP/1.0', 'Host: a'])],
    ['absolute-form target', head(['GET http://a/ HTTP/1.1', 'Host: a'])],
    ['asterisk target', head(['OPTIONS * HTTP/1.1', 'Host: a'])],
    ['CONNECT', head(['CONNECT /x HTTP/1.1', 'Host: a'])],
    ['lowercase method', head(['get / HTTP/1.1', 'Host: a'])],
    ['two spaces in the request line', head(['GET  / HTTP/1.1', 'Host: a'])],
    ['a space in the target', head(['GET /a b HTTP/1.1', 'Host: a'])],
    ['no Host', head(['GET / HTTP/1.1', 'Accept: */*'])],
    ['two Hosts', head(['GET / HTTP/1.1', 'Host: a', 'Host: b'])],
    ['a Host with an invalid port', head(['GET / HTTP/1.1', 'Host: a:99999'])],
    ['a Host with a port that is not a number', head(['GET / HTTP/1.1', 'Host: a:http'])],
    ['a Host with a path', head(['GET / HTTP/1.1', 'Host: a/b'])],
    ['a signed Content-Length', head(['POST / HTTP/1.1', 'Host: a', 'Content-Length: +5'])],
    ['a Content-Length list', head(['POST / HTTP/1.1', 'Host: a', 'Content-Length: 5, 5'])],
    ['a 16-digit Content-Length', head(['POST / HTTP/1.1', 'Host: a', 'Content-Length: 1234567890123456'])],
    ['Content-Length repeated', head(['GET / HTTP/1.1', 'Host: a', 'Content-Length: 0', 'content-length: 0'])],
    ['Transfer-Encoding', head(['POST / HTTP/1.1', 'Host: a', 'Transfer-Encoding: chunked'])],
    ['Expect', head(['GET / HTTP/1.1', 'Host: a', 'Expect: 100-continue'])],
    ['Upgrade', head(['GET / HTTP/1.1', 'Host: a', 'Connection: Upgrade', 'Upgrade: websocket'])],
    ['whitespace before a colon', head(['GET / HTTP/1.1', 'Host : a'])],
    ['obs-fold', head(['GET / HTTP/1.1', 'Host: a', 'X-A: b', ' c'])],
    ['a bare LF', 'GET / HTTP/1.1\r\nHost: a\nX: b'],
    ['a bare CR in a value', head(['GET / HTTP/1.1', 'Host: a', 'X: b\rc'])],
    ['a control character in a value', head(['GET / HTTP/1.1', 'Host: a', 'X: b\u0001c'])],
    ['a field without a colon', head(['GET / HTTP/1.1', 'Host: a', 'Nonsense'])],
  ])('leaves requests with %s to Node', (_what, text) => {
    expect(parseLaneHead(text)).toBeUndefined();
  });
});

describe('hasStrayLineEnd', () => {
  const bytes = (s: string) => Buffer.from(s, 'latin1');

  it.each([
    ['CRLF lines', 'GET / HTTP/1.1\r\nHost: a\r\n', 0],
    ['a CR at the end (its LF may follow)', 'GET / HTTP/1.1\r', 0],
    ['no line end yet', 'GET / HT', 0],
    ['nothing', '', 0],
  ])('is false for %s', (_what, text, from) => {
    expect(hasStrayLineEnd(bytes(text), from)).toBe(false);
  });

  it.each([
    ['LF-only lines', 'GET / HTTP/1.1\nHost: a\n\n', 0],
    ['an LF after a CRLF', 'GET / HTTP/1.1\r\nHost: a\r\n\n', 0],
    ['an LF first', '\nGET / HTTP/1.1', 0],
    ['a CR alone', 'GET / HTTP/1.1\rHost: a', 0],
    // Where an earlier look stopped: the byte before `from` is looked at again.
    ['an LF right after the bytes looked at, following a non-CR', 'GET / HTTP/1.1\n', 14],
    ['a CR at the end of the bytes looked at, followed by a non-LF', 'GET / HTTP/1.1\rX', 15],
  ])('is true for %s', (_what, text, from) => {
    expect(hasStrayLineEnd(bytes(text), from)).toBe(true);
  });

  it('does not look before `from` - 1', () => {
    expect(hasStrayLineEnd(bytes('a\nbc\r\n'), 4)).toBe(false);
  });
});
