/**
 * Per-request state of the router, carried on the request object itself (the HTTP server is
 * created with `IncomingMessage: RoutedRequest`), so the proxy's event handlers can find it
 * without maps or closures.
 */
import { IncomingMessage, type ClientRequest } from 'node:http';
import type { PassThrough } from 'node:stream';
import type { BackendState } from './balancer';
import type { RouteEntry } from './table';

export class RoutedRequest extends IncomingMessage {
  requestId = '';
  /** performance.now() when the request arrived. */
  startedAt = 0;
  route: RouteEntry | undefined = undefined;
  /** Instance of the current attempt; undefined once released. */
  backend: BackendState | undefined = undefined;
  /** Process name of the last instance tried, for the access log. */
  servedBy = '';
  /** Instances already tried (allocated on the first retry only). */
  tried: BackendState[] | undefined = undefined;
  attempts = 0;
  /** No request body (no Transfer-Encoding, Content-Length absent or 0). */
  bodyless = true;
  /** GET, HEAD or OPTIONS. */
  idempotent = false;
  /** The upstream request of the current attempt. */
  upstream: ClientRequest | undefined = undefined;
  /** Holds the request body back until the upstream connection is established. */
  gate: PassThrough | undefined = undefined;
  /** The current attempt's connection to the instance is established. */
  connected = false;
  /** The current attempt reuses a kept-alive connection. */
  reusedSocket = false;
  /** performance.now() when the current attempt started, then ms it took to connect. */
  attemptAt = 0;
  connectMs = 0;
  /** The instance started answering (response headers received or websocket upgraded). */
  responded = false;
  /** Heroku-style error code of a failed request, for the access log (H12, H14...). */
  errorCode = '';
  errorDesc = '';
}
