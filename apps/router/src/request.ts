/**
 * Per-request state of the router, carried on the request object itself (the HTTP server is
 * created with `IncomingMessage: RoutedRequest`), so the proxy's event handlers can find it
 * without maps or closures.
 */
import { IncomingMessage, type ClientRequest, type ServerResponse } from 'node:http';
import type { BackendState } from './balancer';
import type { RouteEntry } from './table';
import type { UpstreamConnection } from './upstream-connection';

export class RoutedRequest extends IncomingMessage {
  requestId = '';
  /** performance.now() when the request arrived. */
  startedAt = 0;
  route: RouteEntry | undefined = undefined;
  /** The response to the client (set when the request is proxied). */
  res: ServerResponse<RoutedRequest> | undefined = undefined;
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
}
