/**
 * Requests Node's HTTP parser accepts but HTTP/1.1 (RFC 9112) says a server must refuse, or that
 * the router cannot pass on faithfully: each gets a 400 page before the connection is closed.
 * Node's parser (llhttp, not in its lenient mode) refuses the rest itself: bare LF or CR line
 * endings, malformed chunked bodies, Content-Length with Transfer-Encoding, a Transfer-Encoding
 * whose last coding is not chunked, no Host in an HTTP/1.1 request.
 *
 *   Host            more than one field, or a value that is not `host[:port]` (RFC 9112 3.2)
 *   Transfer-Encoding  anything but one "chunked" field: a body in another coding ("gzip,
 *                   chunked") would reach the app decoded of its chunking but still gzipped,
 *                   under a header that no longer says so; unknown codings cannot be read at all
 *
 * Only requests read by Node's server are checked here (the client lane leaves every request
 * that would fail these checks to it: lane-head.ts).
 */
import { isValidHost } from './hostname';

/** Why the request is refused (the 400 page's text), or undefined when it is fine. */
export function requestRefusal(rawHeaders: readonly string[]): string | undefined {
  let hosts = 0;
  let host = '';
  let codings: string | undefined;
  let codingFields = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    if (name.length === 4 && name.toLowerCase() === 'host') {
      hosts++;
      host = rawHeaders[i + 1]!;
    } else if (name.length === 17 && name.toLowerCase() === 'transfer-encoding') {
      codingFields++;
      codings = rawHeaders[i + 1]!;
    }
  }
  if (hosts > 1) return 'The request has more than one Host header field (RFC 9112, section 3.2).';
  if (hosts === 1 && !isValidHost(host)) return 'The Host header is not a host name or address with an optional port from 0 to 65535 (RFC 9112, section 3.2).';
  if (codings !== undefined && (codingFields > 1 || codings.trim().toLowerCase() !== 'chunked')) {
    return 'The router accepts request bodies with a Content-Length or "Transfer-Encoding: chunked" only.';
  }
  return undefined;
}
