/**
 * The head of a request as the router sends it to an instance, written in one pass over the
 * client's raw header lines (names as sent, repeated fields kept), with the policy of
 * headers.ts applied:
 *
 *   removed    Connection and what it names, Keep-Alive, Proxy-Connection, TE, Expect, Upgrade,
 *              repeated Host fields; X-Forwarded-Proto/-Port/-Host and X-Request-Id from the client
 *   rewritten  Content-Length / Transfer-Encoding: the body framing the router sends (the body
 *              as Node decoded it: its length, or chunked again)
 *   added      X-Forwarded-For (client address appended), X-Forwarded-Proto, -Port, -Host,
 *              X-Request-Id, Via ("1.1 gantry" appended)
 */
import { clientAddress, connectionTokens, forwardedPort, VIA, type ClientConnection } from './headers';

export interface HeadRequest {
  method: string;
  /** Origin-form request target ("/path?query"). */
  url: string;
  /** The client's header lines, flat: [name, value, name, value...]. */
  rawHeaders: readonly string[];
  /** The Connection header as Node joined it (req.headers.connection). */
  connection: string | undefined;
  /** Content-Length of the body, when it has one and is not chunked. */
  contentLength: string | undefined;
  /** The client sent the body chunked (it is sent on chunked). */
  chunked: boolean;
}

const enum Field {
  Other,
  Host,
  Drop,
  XForwardedFor,
  Via,
}

/** Classifies a header name (any case): length first, so most names cost one switch. */
function classify(name: string): Field {
  switch (name.length) {
    case 2:
      return name.toLowerCase() === 'te' ? Field.Drop : Field.Other;
    case 3:
      return name.toLowerCase() === 'via' ? Field.Via : Field.Other;
    case 4:
      return name.toLowerCase() === 'host' ? Field.Host : Field.Other;
    case 6:
      return name.toLowerCase() === 'expect' ? Field.Drop : Field.Other;
    case 7:
      return name.toLowerCase() === 'upgrade' ? Field.Drop : Field.Other;
    case 10: {
      const n = name.toLowerCase();
      return n === 'connection' || n === 'keep-alive' ? Field.Drop : Field.Other;
    }
    case 12:
      return name.toLowerCase() === 'x-request-id' ? Field.Drop : Field.Other;
    case 14:
      return name.toLowerCase() === 'content-length' ? Field.Drop : Field.Other;
    case 15:
      return name.toLowerCase() === 'x-forwarded-for' ? Field.XForwardedFor : Field.Other;
    case 16: {
      const n = name.toLowerCase();
      return n === 'proxy-connection' || n === 'x-forwarded-host' || n === 'x-forwarded-port' ? Field.Drop : Field.Other;
    }
    case 17: {
      const n = name.toLowerCase();
      return n === 'transfer-encoding' || n === 'x-forwarded-proto' ? Field.Drop : Field.Other;
    }
    default:
      return Field.Other;
  }
}

/** The request line and header section, ending with the empty line. */
export function requestHead(r: HeadRequest, client: ClientConnection): string {
  const raw = r.rawHeaders;
  const named = connectionTokens(r.connection, false);
  let head = `${r.method} ${r.url} HTTP/1.1\r\n`;
  let host: string | undefined;
  let forwardedFor: string | undefined;
  let via: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const value = raw[i + 1]!;
    switch (classify(name)) {
      case Field.Other:
        if (named === null || !named.includes(name.toLowerCase())) head += `${name}: ${value}\r\n`;
        break;
      case Field.Host:
        // The first Host is the one the request was routed by (as Node's req.headers.host).
        if (host === undefined) {
          host = value;
          head += `${name}: ${value}\r\n`;
        }
        break;
      case Field.XForwardedFor:
        forwardedFor = forwardedFor === undefined ? value : `${forwardedFor}, ${value}`;
        break;
      case Field.Via:
        via = via === undefined ? value : `${via}, ${value}`;
        break;
    }
  }
  if (r.chunked) head += 'transfer-encoding: chunked\r\n';
  else if (r.contentLength !== undefined) head += `content-length: ${r.contentLength}\r\n`;
  const address = clientAddress(client.remoteAddress);
  if (address !== undefined) forwardedFor = forwardedFor ? `${forwardedFor}, ${address}` : address;
  if (forwardedFor !== undefined) head += `x-forwarded-for: ${forwardedFor}\r\n`;
  const encrypted = client.encrypted;
  head += `x-forwarded-proto: ${encrypted ? 'https' : 'http'}\r\nx-forwarded-port: ${forwardedPort(client)}\r\n`;
  if (host !== undefined) head += `x-forwarded-host: ${host}\r\n`;
  return `${head}x-request-id: ${client.requestId}\r\nvia: ${via ? `${via}, ${VIA}` : VIA}\r\n\r\n`;
}
