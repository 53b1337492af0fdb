/**
 * Websocket upgrades, proxied with http-proxy-3 (one new connection per websocket, no pooling):
 * the instance is chosen like for HTTP (ejected ones skipped), a connect failure ejects it, the
 * upgrade is not retried (http-proxy closes the client socket on failure). Once open, a
 * websocket without a byte either way for the idle timeout (55 s, or the route's) is closed.
 */
import type { ClientRequest, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { ProxyServer } from 'http-proxy-3';
import { eject, pickBackend, releaseBackend } from './balancer';
import type { Logger } from './log';
import { noInstancesPage, timeoutPage, unreachablePage, writeSocketPage } from './pages';
import { RoutedRequest } from './request';
import type { RouteEntry } from './table';
import { CONNECT_TIMEOUT, UPSTREAM_TIMEOUT, upstreamError } from './upstream-connection';

export interface WebSocketTimeouts {
  connectMs: number;
  /** No answer to the upgrade request within this -> 504 page. */
  firstByteMs: number;
  ejectMs: number;
  /** An open websocket idle this long (no byte either way) is closed. */
  streamIdleMs: number;
}

export class WebSocketProxy {
  private readonly proxy: ProxyServer<typeof RoutedRequest, typeof ServerResponse>;

  constructor(
    private readonly timeouts: WebSocketTimeouts,
    private readonly log: Logger,
  ) {
    this.proxy = new ProxyServer({ toProxy: true, xfwd: false });
    this.proxy.on('proxyReqWs', (proxyReq, req, socket) => this.onUpstreamRequest(proxyReq, req, socket as Socket));
    // Errors that reach no callback (client socket errors of websockets): nothing to answer.
    this.proxy.on('error', (err) => this.log.debug(`proxy error without a request: ${err.message}`));
  }

  /** Proxies a websocket upgrade (headers already prepared by prepareForwardHeaders). */
  ws(req: RoutedRequest, socket: Duplex, head: Buffer, route: RouteEntry): void {
    req.route = route;
    const backend = pickBackend(route.pool, Date.now());
    if (backend === undefined) {
      req.errorCode = 'H14';
      req.errorDesc = 'No web processes running';
      return writeSocketPage(socket, noInstancesPage(route.app, req.requestId), req.requestId);
    }
    backend.inflight++;
    req.backend = backend;
    req.servedBy = backend.process;
    req.attempts++;
    req.attemptAt = performance.now();
    socket.once('close', () => releaseBackend(req));
    this.proxy.ws(req, socket, head, { target: backend.target, agent: false }, this.onError);
  }

  private onUpstreamRequest(proxyReq: ClientRequest, req: RoutedRequest, socket: Socket): void {
    req.wsUpstream = proxyReq;
    proxyReq.setTimeout(req.route?.firstByteMs ?? this.timeouts.firstByteMs, onFirstByteTimeout);
    proxyReq.once('socket', (upstream: Socket) => {
      if (!upstream.connecting) return connected(req);
      const timer = setTimeout(() => upstream.destroy(upstreamError('connect timeout', CONNECT_TIMEOUT)), this.timeouts.connectMs);
      upstream.once('connect', () => {
        clearTimeout(timer);
        connected(req);
      });
      upstream.once('close', () => clearTimeout(timer));
    });
    proxyReq.once('response', () => {
      req.responded = true;
    });
    proxyReq.once('upgrade', () => {
      req.responded = true;
      // The first-byte limit is over; from now on the idle limit applies, to the client
      // socket, which sees every byte of both directions.
      proxyReq.setTimeout(0);
      const idleMs = req.route?.idleMs ?? this.timeouts.streamIdleMs;
      socket.setTimeout(idleMs, () => {
        req.errorCode = 'H15';
        req.errorDesc = 'Idle connection';
        this.log.info(`at=info code=H15 desc="Idle connection" websocket=true idle_ms=${idleMs} request_id=${req.requestId}`);
        socket.destroy();
      });
    });
  }

  private readonly onError = (err: Error, req: RoutedRequest, socket: ServerResponse | Socket): void => {
    const backend = req.backend;
    const route = req.route;
    if (backend === undefined || route === undefined) return;
    if (req.responded) return; // the websocket was open; http-proxy closes both ends
    const code = errorCode(err);
    const neverConnected = !req.connected;
    if (neverConnected) eject(backend, Date.now(), this.timeouts.ejectMs);
    this.log.warn(
      `at=warn code=${neverConnected ? 'connect_failed' : 'upstream_reset'} app=${route.app} process=${backend.process} ` +
        `addr=${backend.target.host}:${backend.target.port} error=${code} websocket=true request_id=${req.requestId}`,
    );
    const timedOut = code === UPSTREAM_TIMEOUT;
    const seconds = Math.round((route.firstByteMs ?? this.timeouts.firstByteMs) / 1000);
    const page = timedOut ? timeoutPage(route.app, seconds, req.requestId) : unreachablePage(route.app, req.requestId);
    req.errorCode = timedOut ? 'H12' : 'H10';
    req.errorDesc = timedOut ? 'Request timeout' : 'No instance reachable';
    writeSocketPage(socket as Socket, page, req.requestId);
  };
}

function connected(req: RoutedRequest): void {
  req.connected = true;
  req.connectMs = performance.now() - req.attemptAt;
}

function onFirstByteTimeout(this: ClientRequest): void {
  const connecting = this.socket?.connecting === true;
  this.destroy(upstreamError(connecting ? 'connect timeout' : 'no response in time', connecting ? CONNECT_TIMEOUT : UPSTREAM_TIMEOUT));
}

function errorCode(err: Error): string {
  const code = (err as NodeJS.ErrnoException).code;
  return typeof code === 'string' ? code : err.name;
}
