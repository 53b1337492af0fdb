import { describe, expect, it } from 'vitest';
import { keepAliveTimeoutMs, parseHead, ResponseError, ResponseParser, type ResponseHead } from './response-parser';

interface Seen {
  heads: ResponseHead[];
  body: string;
  ends: number;
  parser: ResponseParser;
}

function parser(headRequest = false): Seen {
  const seen = { heads: [], body: '', ends: 0 } as unknown as Seen;
  seen.parser = new ResponseParser({
    onHead: (h) => seen.heads.push(h),
    onBody: (c) => (seen.body += c.toString('latin1')),
    onEnd: (last) => {
      if (last) seen.body += last.toString('latin1');
      seen.ends++;
    },
  });
  seen.parser.reset(headRequest);
  return seen;
}

/** Feeds `text` split at every given offset. */
function feed(s: Seen, text: string, splits: number[] = []): void {
  const buf = Buffer.from(text, 'latin1');
  let at = 0;
  for (const cut of [...splits, buf.length]) {
    if (cut > at) s.parser.execute(buf.subarray(at, cut));
    at = cut;
  }
}

const everySplit = (text: string) => Array.from({ length: text.length - 1 }, (_, i) => [i + 1]);

describe('ResponseParser', () => {
  it('reads a Content-Length response in one read', () => {
    const s = parser();
    feed(s, 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nok\n');
    expect(s.heads).toHaveLength(1);
    const h = s.heads[0]!;
    expect([h.status, h.reason, h.minor, h.contentLength, h.chunked, h.close]).toEqual([200, 'OK', 1, 3, false, false]);
    expect(h.headers).toEqual(['Content-Type', 'text/plain', 'Content-Length', '3']);
    expect(s.body).toBe('ok\n');
    expect(s.ends).toBe(1);
    expect(s.parser.extraBytes).toBe(0);
  });

  it('reads the same response split at any byte, head and body', () => {
    const text = 'HTTP/1.1 201 Created\r\nX-A: 1\r\nContent-Length: 10\r\n\r\n0123456789';
    for (const splits of [...everySplit(text), [3, 20, 40, 55]]) {
      const s = parser();
      feed(s, text, splits);
      expect(s.heads.map((h) => h.status)).toEqual([201]);
      expect(s.body).toBe('0123456789');
      expect(s.ends).toBe(1);
    }
  });

  it('decodes chunked bodies, with extensions and trailers, split anywhere', () => {
    const text =
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n' +
      '5\r\nhello\r\n' +
      '1;ext=1\r\n \r\n' +
      'A \r\n0123456789\r\n' +
      '0\r\nX-Trailer: yes\r\n\r\n';
    for (const splits of [[], ...everySplit(text)]) {
      const s = parser();
      feed(s, text, splits);
      expect(s.heads[0]!.chunked).toBe(true);
      expect(s.body).toBe('hello 0123456789');
      expect(s.ends).toBe(1);
      expect(s.parser.extraBytes).toBe(0);
    }
  });

  it('ends a chunked body without trailers', () => {
    const s = parser();
    feed(s, 'HTTP/1.1 200 OK\r\ntransfer-encoding: Chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n');
    expect(s.body).toBe('abc');
    expect(s.ends).toBe(1);
  });

  it('has no body for HEAD, 204 and 304, whatever Content-Length says', () => {
    const head = parser(true);
    feed(head, 'HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n');
    expect(head.heads[0]!.noBody).toBe(true);
    expect(head.heads[0]!.contentLength).toBe(1234);
    expect(head.ends).toBe(1);
    for (const status of ['204 No Content', '304 Not Modified']) {
      const s = parser();
      feed(s, `HTTP/1.1 ${status}\r\nContent-Length: 5\r\n\r\n`);
      expect(s.heads[0]!.noBody).toBe(true);
      expect(s.ends).toBe(1);
      expect(s.body).toBe('');
    }
  });

  it('skips interim 1xx responses', () => {
    const s = parser();
    feed(s, 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi', [10, 30]);
    expect(s.heads.map((h) => h.status)).toEqual([200]);
    expect(s.body).toBe('hi');
    expect(s.ends).toBe(1);
  });

  it('refuses a 101 to a plain request', () => {
    const s = parser();
    expect(() => feed(s, 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n')).toThrow(ResponseError);
  });

  it('reads a body without length until the connection closes, and never reuses it', () => {
    const s = parser();
    feed(s, 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nsome', [20]);
    feed(s, ' more');
    expect(s.ends).toBe(0);
    expect(s.heads[0]!.untilClose).toBe(true);
    expect(s.heads[0]!.close).toBe(true);
    s.parser.finish();
    expect(s.body).toBe('some more');
    expect(s.ends).toBe(1);
  });

  it('fails when the connection closes before or in the middle of a response', () => {
    const before = parser();
    expect(() => before.parser.finish()).toThrow('connection closed before a response');
    const mid = parser();
    feed(mid, 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc');
    expect(() => mid.parser.finish()).toThrow('connection closed mid-response');
    const headOnly = parser();
    feed(headOnly, 'HTTP/1.1 200 OK\r\nContent');
    expect(() => headOnly.parser.finish()).toThrow('connection closed mid-response');
  });

  it('reads Connection: close, HTTP/1.0 and keep-alive hints', () => {
    const close = parseHead('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0', false);
    expect(close.close).toBe(true);
    const http10 = parseHead('HTTP/1.0 200 OK\r\nContent-Length: 0', false);
    expect(http10.close).toBe(true);
    const http10ka = parseHead('HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0', false);
    expect(http10ka.close).toBe(false);
    const hint = parseHead('HTTP/1.1 200 OK\r\nConnection: keep-alive, X-Secret\r\nKeep-Alive: timeout=5, max=100\r\nContent-Length: 0', false);
    expect([hint.close, hint.keepAliveMs, hint.connectionTokens]).toEqual([false, 5000, ['x-secret']]);
    expect(keepAliveTimeoutMs('max=5')).toBe(-1);
  });

  it('counts bytes after the end of a response (the connection is then not reused)', () => {
    const s = parser();
    feed(s, 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhiHTTP/1.1 200 OK\r\n');
    expect(s.ends).toBe(1);
    expect(s.parser.extraBytes).toBe(17);
  });

  it('lets the next response be parsed after a reset', () => {
    const s = parser();
    feed(s, 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na');
    s.parser.reset(false);
    feed(s, 'HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nb\r\n0\r\n\r\n');
    expect(s.heads.map((h) => h.status)).toEqual([200, 404]);
    expect(s.body).toBe('ab');
    expect(s.ends).toBe(2);
  });

  it('ignores input once stopped', () => {
    const s = parser();
    feed(s, 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc');
    s.parser.stop();
    feed(s, 'defghij');
    expect(s.body).toBe('abc');
    expect(s.ends).toBe(0);
    expect(() => s.parser.finish()).not.toThrow();
  });

  it('joins obs-folded lines and trims values', () => {
    const h = parseHead('HTTP/1.1 200 OK\r\nX-Long: a\r\n  b\r\nX-Pad: \t v \t\r\nContent-Length: 0', false);
    expect(h.headers).toEqual(['X-Long', 'a b', 'X-Pad', 'v', 'Content-Length', '0']);
  });

  it('keeps an empty reason phrase', () => {
    expect(parseHead('HTTP/1.1 200 \r\nContent-Length: 0', false).reason).toBe('');
    expect(parseHead('HTTP/1.1 200\r\nContent-Length: 0', false).reason).toBe('');
  });

  it.each([
    ['garbage', 'HELLO'],
    ['HTTP/2', 'HTTP/2.0 200 OK'],
    ['bad status', 'HTTP/1.1 2x0 OK'],
    ['status below 100', 'HTTP/1.1 099 Odd'],
    ['header without colon', 'HTTP/1.1 200 OK\r\nNoColon'],
    ['whitespace before the colon', 'HTTP/1.1 200 OK\r\nContent-Length : 5'],
    ['bad Content-Length', 'HTTP/1.1 200 OK\r\nContent-Length: 12a'],
    ['negative Content-Length', 'HTTP/1.1 200 OK\r\nContent-Length: -1'],
    ['conflicting Content-Length', 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2'],
    ['unknown Transfer-Encoding', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip'],
    ['gzip then chunked', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked'],
  ])('refuses a malformed head: %s', (_, text) => {
    expect(() => parseHead(text, false)).toThrow(ResponseError);
  });

  it('accepts identical repeated Content-Length values', () => {
    expect(parseHead('HTTP/1.1 200 OK\r\nContent-Length: 4, 4\r\nContent-Length: 4', false).contentLength).toBe(4);
  });

  it('prefers chunked over Content-Length', () => {
    const s = parser();
    feed(s, 'HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n');
    expect(s.heads[0]!.contentLength).toBe(-1);
    expect(s.body).toBe('ok');
    expect(s.ends).toBe(1);
  });

  it('refuses malformed chunk framing', () => {
    for (const body of ['zz\r\n', '5\r\nhelloXX', '5\n', ';x\r\n']) {
      const s = parser();
      expect(() => feed(s, `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${body}`)).toThrow(ResponseError);
    }
  });

  it('refuses a head that never ends', () => {
    const s = parser();
    expect(() => feed(s, `HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(70_000)}`, [100, 30_000, 60_000])).toThrow('response head too large');
  });

  it.each([
    ['LF-only lines', 'HTTP/1.1 200 OK\nContent-Length: 2\n\nok'],
    ['an LF-only end of head', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\nok'],
    ['CR-only lines', 'HTTP/1.1 200 OK\rContent-Length: 2\r\rok'],
  ])('refuses a head with %s as soon as the stray line end arrives, however it is split', (_, text) => {
    // Index of the first byte that shows a line end is not CRLF (an LF after a non-CR, or what
    // follows a lone CR).
    const stray = /(?<!\r)\n|\r(?!\n)/.exec(text)!;
    const shown = stray.index + (stray[0] === '\r' ? 1 : 0);
    for (const splits of [[], ...everySplit(text)]) {
      const s = parser();
      const buf = Buffer.from(text, 'latin1');
      let at = 0;
      let threwAt = -1;
      for (const cut of [...splits, buf.length]) {
        try {
          s.parser.execute(buf.subarray(at, cut));
        } catch (err) {
          expect(err).toBeInstanceOf(ResponseError);
          threwAt = cut;
          break;
        }
        at = cut;
      }
      // Refused with the read that brought that byte, not later (nor never, waiting for CRLF CRLF).
      expect(threwAt, JSON.stringify(splits)).toBe(splits.find((cut) => cut > shown) ?? buf.length);
      expect(s.heads).toHaveLength(0);
    }
  });

  it('hands body slices on without copying', () => {
    let slice: Buffer | undefined;
    const p = new ResponseParser({ onHead: () => {}, onBody: () => {}, onEnd: (last) => (slice = last) });
    p.reset(false);
    p.execute(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n'));
    const data = Buffer.from('abcd');
    p.execute(data);
    expect(slice).toBe(data);
  });
});
