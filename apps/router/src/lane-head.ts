/**
 * Reads a request head for the client lane (client-lane.ts), strictly: only the plain, common
 * form is accepted, and everything else is left to Node's HTTP server, which then answers it as
 * before (its parser's errors, 100-continue, upgrades, bodies):
 *
 *   accepted   "METHOD /origin-form HTTP/1.1", header fields "name: value" (token names,
 *              visible latin1 values), exactly one Host with a valid value (host[:port]), a
 *              body only by one Content-Length (no Transfer-Encoding)
 *   left       anything else: other versions, absolute-form or "*" targets, obs-fold, stray
 *              CR or LF, control characters, chunked bodies, Expect, Upgrade, repeated Host
 *              or Content-Length, an invalid Host, a Content-Length that is not 1-15 digits
 *
 * Leaving a request to Node is never an error: it is parsed again there, by the rules
 * everybody's HTTP/1.1 clients were written against, and what HTTP/1.1 forbids is refused
 * there (Node's parser, then request-checks.ts: a 400 page).
 */
import { isValidHost } from './hostname';
import { TARGET, TOKEN, VALUE } from './http-chars';

/** A head the lane serves. */
export interface LaneHead {
  method: string;
  /** Origin-form request target ("/path?query"). */
  url: string;
  /** Header lines as sent, flat: [name, value, name, value...]. */
  rawHeaders: string[];
  host: string;
  /** The Connection field (repeated fields joined with ", "), if any. */
  connection: string | undefined;
  /** The first X-Request-Id field, if any. */
  requestId: string | undefined;
  /** The Content-Length field as sent, if any. */
  contentLength: string | undefined;
  /** Body bytes that follow the head (0: none). */
  bodyBytes: number;
  /** The client asked to close the connection after this response ("Connection: close"). */
  close: boolean;
}

const SP = 0x20;
const HT = 0x09;
const CR = 0x0d;

/**
 * Parses `text` (the head as latin1, without the final CRLF CRLF). Undefined when the lane
 * should leave the request to Node.
 */
export function parseLaneHead(text: string): LaneHead | undefined {
  const n = text.length;
  // Method: uppercase letters.
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c < 0x41 || c > 0x5a) break;
    i++;
  }
  if (i === 0 || i > 16 || text.charCodeAt(i) !== SP) return undefined;
  const method = text.slice(0, i);
  if (method === 'CONNECT') return undefined;
  const targetStart = ++i;
  if (text.charCodeAt(i) !== 0x2f /* / */) return undefined;
  while (i < n && TARGET[text.charCodeAt(i)] === 1) i++;
  const url = text.slice(targetStart, i);
  // " HTTP/1.1" and the end of the line.
  if (text.charCodeAt(i) !== SP || !text.startsWith('HTTP/1.1', i + 1)) return undefined;
  i += 9;
  if (i !== n && (text.charCodeAt(i) !== CR || text.charCodeAt(i + 1) !== 0x0a)) return undefined;
  i += 2;

  const rawHeaders: string[] = [];
  let host: string | undefined;
  let connection: string | undefined;
  let requestId: string | undefined;
  let contentLength: string | undefined;
  while (i < n) {
    // Name: token characters right up to the colon.
    const nameStart = i;
    while (i < n && TOKEN[text.charCodeAt(i)] === 1) i++;
    if (i === nameStart || text.charCodeAt(i) !== 0x3a /* : */) return undefined;
    const name = text.slice(nameStart, i);
    i++;
    while (i < n && (text.charCodeAt(i) === SP || text.charCodeAt(i) === HT)) i++;
    const valueStart = i;
    while (i < n && VALUE[text.charCodeAt(i)] === 1) i++;
    let valueEnd = i;
    // The line ends here (CRLF) or the head does; anything else (CR or LF alone, a control
    // character) is left to Node.
    if (i !== n) {
      if (text.charCodeAt(i) !== CR || text.charCodeAt(i + 1) !== 0x0a) return undefined;
      i += 2;
      // obs-fold (a line starting with whitespace) is left to Node too: the loop's next name
      // is empty then.
    }
    while (valueEnd > valueStart && (text.charCodeAt(valueEnd - 1) === SP || text.charCodeAt(valueEnd - 1) === HT)) valueEnd--;
    const value = text.slice(valueStart, valueEnd);
    // Fields the lane looks at (compared by length first: most names cost one switch).
    switch (name.length) {
      case 4:
        if (name.toLowerCase() === 'host') {
          if (host !== undefined) return undefined;
          host = value;
        }
        break;
      case 6:
        if (name.toLowerCase() === 'expect') return undefined;
        break;
      case 7:
        if (name.toLowerCase() === 'upgrade') return undefined;
        break;
      case 10:
        if (name.toLowerCase() === 'connection') connection = connection === undefined ? value : `${connection}, ${value}`;
        break;
      case 12:
        if (requestId === undefined && name.toLowerCase() === 'x-request-id') requestId = value;
        break;
      case 14:
        if (name.toLowerCase() === 'content-length') {
          if (contentLength !== undefined || !isLength(value)) return undefined;
          contentLength = value;
        }
        break;
      case 17:
        if (name.toLowerCase() === 'transfer-encoding') return undefined;
        break;
    }
    rawHeaders.push(name, value);
  }
  if (host === undefined || !isValidHost(host)) return undefined;
  return {
    method,
    url,
    rawHeaders,
    host,
    connection,
    requestId,
    contentLength,
    bodyBytes: contentLength === undefined ? 0 : Number(contentLength),
    close: connection !== undefined && hasCloseToken(connection),
  };
}

/** 1-15 decimal digits. */
function isLength(value: string): boolean {
  const n = value.length;
  if (n === 0 || n > 15) return false;
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

function hasCloseToken(connection: string): boolean {
  if (connection.length === 5) return connection.toLowerCase() === 'close';
  if (connection.length === 10 && connection.toLowerCase() === 'keep-alive') return false;
  for (const token of connection.split(',')) if (token.trim().toLowerCase() === 'close') return true;
  return false;
}
