/**
 * Per-request state of the router, carried on the request object itself so the proxy's event
 * handlers can find it without maps or closures. Two kinds of request carry it:
 *
 *   RoutedRequest   Node's IncomingMessage (the HTTP server is created with
 *                   `IncomingMessage: RoutedRequest`): chunked bodies, upgrades, 100-continue,
 *                   the router's own answers
 *   LaneRequest     a request read by the router's own HTTP/1.1 reader (client-lane.ts): no
 *                   body, or a Content-Length one
 *
 * The proxy (proxy.ts, upstream-*.ts) works on `ProxiedRequest`, what both have in common, and
 * answers through `ClientResponse`, the part of Node's ServerResponse it uses (which the lane's
 * response implements too).
 */
import { IncomingMessage, type ClientRequest, type IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import type { BackendState } from './balancer';
import type { RouteEntry } from './table';
import type { UpstreamConnection } from './upstream-connection';

/** What the proxy uses of the response to the client. */
export interface ClientResponse {
  statusCode: number;
  /** Keep the client connection open after this response. */
  shouldKeepAlive: boolean;
  readonly headersSent: boolean;
  readonly destroyed: boolean;
  /** The client's socket (corked while one upstream read is passed on), null once detached. */
  readonly socket: { cork(): void; uncork(): void } | null;
  setHeader(name: string, value: string | number): unknown;
  getHeader(name: string): unknown;
  /** Throws on a status line or header field that cannot be sent (as Node's writeHead). */
  writeHead(status: number, reason: string, headers: string[]): unknown;
  write(chunk: Buffer): boolean;
  end(chunk?: string | Buffer, encoding?: BufferEncoding): unknown;
  once(event: 'drain', listener: () => void): unknown;
  removeListener(event: 'drain', listener: () => void): unknown;
  destroy(): unknown;
}

type Constructor = new (...args: any[]) => object;

/** Adds the router's per-request fields to a request class. */
function withRouteState<B extends Constructor>(Base: B) {
  return class extends Base {
    requestId = '';
    /** performance.now() when the request arrived. */
    startedAt = 0;
    route: RouteEntry | undefined = undefined;
    /** The response to the client (set when the request is proxied). */
    res: ClientResponse | undefined = undefined;
    /** Instance of the current attempt; undefined once released. */
    backend: BackendState | undefined = undefined;
    /** Process name of the last instance tried, for the access log. */
    servedBy = '';
    /** Instances already tried (allocated on the first retry only). */
    tried: BackendState[] | undefined = undefined;
    attempts = 0;
    /** No request body (no Transfer-Encoding, Content-Length absent or 0). */
    bodyless = true;
    /** The client sends the body chunked. */
    chunked = false;
    /** GET, HEAD or OPTIONS. */
    idempotent = false;
    /** The request head as sent to instances (built once, reused by retries). */
    upstreamHead: string | undefined = undefined;
    /** The upstream connection of the current attempt (while it is exchanging). */
    conn: UpstreamConnection | undefined = undefined;
    /** Held while the app wakes up (wake-holds.ts). */
    wakeHeld = false;
    /** performance.now() since when the request waits for a free connection, or -1. */
    waitingSince = -1;
    /** Body bytes received from the client so far. */
    bodyBytes = 0;
    /** The whole body has been forwarded to the instance. */
    bodySent = false;
    /** The current attempt's connection to the instance is established. */
    connected = false;
    /** The current attempt reuses a kept-alive connection. */
    reusedSocket = false;
    /** performance.now() when the current attempt started, then ms it took to connect. */
    attemptAt = 0;
    connectMs = 0;
    /** The instance started answering (response head received or websocket upgraded). */
    responded = false;
    /** The upstream request of a websocket upgrade (http-proxy-3). */
    wsUpstream: ClientRequest | undefined = undefined;
    /** Response body bytes passed on from the instance (for the access log). */
    bytesOut = 0;
    /** Heroku-style error code of a failed request, for the access log (H12, H14...). */
    errorCode = '';
    errorDesc = '';
  };
}

export const RouteState = withRouteState(class {});
export type RouteState = InstanceType<typeof RouteState>;

/** A request as the proxy sees it. */
export interface ProxiedRequest extends RouteState {
  readonly method?: string | undefined;
  url?: string | undefined;
  /** The client's header lines, flat: [name, value, name, value...]. */
  readonly rawHeaders: string[];
  readonly headers: IncomingHttpHeaders;
  readonly socket: Socket;
  /** The whole request (body included) was received. */
  readonly complete: boolean;
  readonly readableEnded: boolean;
  on(event: 'data' | 'end', listener: (...args: any[]) => void): unknown;
  removeListener(event: 'data' | 'end', listener: (...args: any[]) => void): unknown;
  pause(): unknown;
  resume(): unknown;
}

/** Requests read by Node's HTTP server. */
export class RoutedRequest extends withRouteState(IncomingMessage) {}
