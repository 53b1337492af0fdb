/**
 * Headers the router adds to, or strips from, a request before it reaches an app instance:
 * the policy, and its form for websocket upgrades (which http-proxy-3 forwards from the
 * request's header object, mutated here). Plain HTTP requests get the same policy applied while
 * their head is written (request-head.ts).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

const REQUEST_ID = /^[A-Za-z0-9+/=_-]{20,200}$/;

/** A client-sent X-Request-Id is kept when it is 20-200 characters of [A-Za-z0-9+/=_-]. */
export function isValidRequestId(value: unknown): value is string {
  return typeof value === 'string' && REQUEST_ID.test(value);
}

/** The request id of a request: the client's when valid, otherwise a new UUID. */
export function requestIdFor(headers: IncomingHttpHeaders, newId: () => string = randomUUID): string {
  const sent = headers['x-request-id'];
  return isValidRequestId(sent) ? sent : newId();
}

export interface ClientConnection {
  /** Peer address of the client socket (IPv4-mapped IPv6 addresses are unwrapped). */
  remoteAddress: string | undefined;
  /** True when the client reached the router over TLS. */
  encrypted: boolean;
  /** The router's port the client connected to (its HTTP or TLS listener): X-Forwarded-Port. */
  localPort: number | undefined;
  requestId: string;
}

export const VIA = '1.1 gantry';

/** Headers that must not be used from a client-controlled Connection header's list. */
const PROTECTED = new Set(['host', 'content-length', 'transfer-encoding', 'x-request-id']);

/**
 * Prepares `headers` (a request's headers) for forwarding to an instance:
 *  - hop-by-hop headers are removed (Connection and the headers it names, Keep-Alive,
 *    Proxy-Connection, TE, and Expect, which the router answered already); for a websocket
 *    upgrade, Connection and Upgrade are kept;
 *  - X-Forwarded-For gets the client address appended; X-Forwarded-Proto, -Port and -Host are
 *    set from what the client connected to (client-sent values are not trusted; the port is the
 *    router listener's, never the one written in the Host header, which the client chooses);
 *  - X-Request-Id is set, and Via gets "1.1 gantry" appended.
 */
export function prepareForwardHeaders(headers: IncomingHttpHeaders, client: ClientConnection, upgrade: boolean): void {
  const connection = headers.connection;
  if (connection !== undefined) {
    stripNamedHeaders(headers, connection, upgrade);
    if (!upgrade) delete headers.connection;
  }
  if (!upgrade && headers.upgrade !== undefined) delete headers.upgrade;
  if (headers['keep-alive'] !== undefined) delete headers['keep-alive'];
  if (headers['proxy-connection'] !== undefined) delete headers['proxy-connection'];
  if (headers.te !== undefined) delete headers.te;
  if (headers.expect !== undefined) delete headers.expect;

  const address = clientAddress(client.remoteAddress);
  const forwardedFor = headers['x-forwarded-for'];
  if (address !== undefined) headers['x-forwarded-for'] = forwardedFor ? `${forwardedFor}, ${address}` : address;
  const host = headers.host;
  headers['x-forwarded-proto'] = client.encrypted ? 'https' : 'http';
  headers['x-forwarded-port'] = forwardedPort(client);
  if (host !== undefined) headers['x-forwarded-host'] = host;
  else delete headers['x-forwarded-host'];
  headers['x-request-id'] = client.requestId;
  const via = headers.via;
  headers.via = via ? `${via}, ${VIA}` : VIA;
}

/** X-Forwarded-Port: the listener's port the client connected to (80/443 if it is unknown). */
export function forwardedPort(client: ClientConnection): string {
  const port = client.localPort;
  return port === undefined ? (client.encrypted ? '443' : '80') : String(port);
}

/** "::ffff:10.0.0.1" -> "10.0.0.1"; other addresses as they are. */
export function clientAddress(remoteAddress: string | undefined): string | undefined {
  if (remoteAddress?.startsWith('::ffff:') && remoteAddress.indexOf('.') !== -1) return remoteAddress.slice(7);
  return remoteAddress;
}

function isPlainConnectionToken(value: string): boolean {
  const v = value.trim().toLowerCase();
  return v === 'keep-alive' || v === 'close' || v === 'upgrade';
}

/**
 * The header names a client's Connection header lists, lowercase, as the router removes them
 * (never Host, the body framing or X-Request-Id; never Upgrade for a websocket). Null when there
 * are none, which is nearly always ("keep-alive", "close", "Upgrade").
 */
export function connectionTokens(connection: string | undefined, upgrade: boolean): string[] | null {
  if (connection === undefined || (connection.indexOf(',') === -1 && isPlainConnectionToken(connection))) return null;
  let names: string[] | null = null;
  for (const raw of connection.split(',')) {
    const name = raw.trim().toLowerCase();
    if (name === '' || name === 'close' || name === 'keep-alive' || PROTECTED.has(name)) continue;
    if (name === 'upgrade' && upgrade) continue;
    (names ??= []).push(name);
  }
  return names;
}

function stripNamedHeaders(headers: IncomingHttpHeaders, connection: string, upgrade: boolean): void {
  for (const name of connectionTokens(connection, upgrade) ?? []) delete headers[name];
}
