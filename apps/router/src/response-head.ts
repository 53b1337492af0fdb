/**
 * The header fields of an instance's response as the client gets them (for res.writeHead, in
 * Node's flat [name, value...] form, repeated fields kept):
 *
 *   removed  Connection and what it names, Keep-Alive, Proxy-Connection, TE, Trailer, Upgrade,
 *            Transfer-Encoding (Node frames the body for the client connection), Content-Length
 *            of a chunked response
 *   added    Via ("1.1 gantry" appended), X-Request-Id (unless the app set its own)
 */
import { VIA } from './headers';
import type { ResponseHead } from './response-parser';

export function clientResponseHeaders(head: ResponseHead, requestId: string): string[] {
  const h = head.headers;
  const named = head.connectionTokens;
  const out: string[] = [];
  let via: string | undefined;
  let hasRequestId = false;
  for (let i = 0; i < h.length; i += 2) {
    const name = h[i]!;
    const value = h[i + 1]!;
    switch (name.length) {
      case 2:
        if (name.toLowerCase() === 'te') continue;
        break;
      case 3:
        if (name.toLowerCase() === 'via') {
          via = via === undefined ? value : `${via}, ${value}`;
          continue;
        }
        break;
      case 7: {
        const n = name.toLowerCase();
        if (n === 'trailer' || n === 'upgrade') continue;
        break;
      }
      case 10: {
        const n = name.toLowerCase();
        if (n === 'connection' || n === 'keep-alive') continue;
        break;
      }
      case 12:
        if (name.toLowerCase() === 'x-request-id') hasRequestId = true;
        break;
      case 14:
        if (head.chunked && name.toLowerCase() === 'content-length') continue;
        break;
      case 16:
        if (name.toLowerCase() === 'proxy-connection') continue;
        break;
      case 17:
        if (name.toLowerCase() === 'transfer-encoding') continue;
        break;
    }
    if (named !== null && named.includes(name.toLowerCase())) continue;
    out.push(name, value);
  }
  out.push('via', via === undefined ? VIA : `${via}, ${VIA}`);
  if (!hasRequestId) out.push('x-request-id', requestId);
  return out;
}
