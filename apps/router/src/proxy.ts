/**
 * Forwarding to app instances with http-proxy-3, with the router's failure handling:
 *
 *  - connect failures (refused, unreachable, connect timeout, reset before anything came back
 *    on a fresh connection) eject the instance for a moment;
 *  - the request is retried on another instance when nothing reached the app (the body of a
 *    request is held back until the upstream connection is established, so any method can be
 *    retried after a connect failure) or when it is a GET/HEAD/OPTIONS without a body;
 *  - 30 s without the start of a response -> 504; failures after the response started cut
 *    the client connection (the status line is already out).
 *
 * Connections to instances are pooled in one keep-alive agent.
 */
import { Agent, type ClientRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { PassThrough, type Duplex } from 'node:stream';
import { ProxyServer, type ProxyTargetUrl } from 'http-proxy-3';
import { eject, pickBackend, type BackendState } from './balancer';
import { VIA } from './headers';
import type { Logger } from './log';
import {
  badResponsePage,
  noInstancesPage,
  sendPage,
  timeoutPage,
  unreachablePage,
  writeSocketPage,
  type Page,
} from './pages';
import { RoutedRequest } from './request';
import type { RouteEntry } from './table';

export interface ProxyTimeouts {
  /** Establishing a TCP connection to an instance. */
  connectMs: number;
  /** From the request being sent to the first byte of the response (504 after). */
  firstByteMs: number;
  /** How long an instance that refused a connection is passed over. */
  ejectMs: number;
}

export interface AppProxyOptions {
  timeouts: ProxyTimeouts;
  log: Logger;
  /** At most this many instances are tried for one request. */
  maxAttempts?: number;
  /** Connections per instance (requests beyond wait for one). */
  maxSocketsPerInstance?: number;
}

const UPSTREAM_TIMEOUT = 'GANTRY_UPSTREAM_TIMEOUT';
const CONNECT_TIMEOUT = 'GANTRY_CONNECT_TIMEOUT';
/** Idle pooled connections are closed after this (below Node's default 5 s keep-alive timeout). */
const IDLE_SOCKET_MS = 4000;

type Response = ServerResponse<RoutedRequest>;

export class AppProxy {
  private readonly agent: Agent;
  private readonly proxy: ProxyServer<typeof RoutedRequest, typeof ServerResponse>;
  private readonly timeouts: ProxyTimeouts;
  private readonly log: Logger;
  private readonly maxAttempts: number;

  constructor(o: AppProxyOptions) {
    this.timeouts = o.timeouts;
    this.log = o.log;
    this.maxAttempts = o.maxAttempts ?? 5;
    const sockets = o.maxSocketsPerInstance ?? 256;
    this.agent = new Agent({
      keepAlive: true,
      keepAliveMsecs: 1000,
      maxSockets: sockets,
      maxFreeSockets: sockets,
      timeout: IDLE_SOCKET_MS,
      scheduling: 'lifo',
    });
    // toProxy: forward the request target as received instead of re-parsing it with URL
    // (faster, and the app sees the exact path). X-Forwarded-* are set by headers.ts.
    this.proxy = new ProxyServer({ agent: this.agent, toProxy: true, xfwd: false });
    this.proxy.on('proxyReq', (proxyReq, req, _res, _options, socket) => this.onUpstreamRequest(proxyReq, req, socket));
    this.proxy.on('proxyRes', (proxyRes, req, res) => this.onUpstreamResponse(proxyRes, req, res as Response));
    this.proxy.on('proxyReqWs', (proxyReq, req) => this.onUpstreamWsRequest(proxyReq, req));
    // Errors that reach no callback (client socket errors of websockets): nothing to answer.
    this.proxy.on('error', (err) => this.log.debug(`proxy error without a request: ${err.message}`));
  }

  /** Proxies an HTTP request to one of the route's instances (headers already prepared). */
  web(req: RoutedRequest, res: Response, route: RouteEntry): void {
    req.route = route;
    if (route.pool.backends.length === 0) return this.fail(req, res, 'H14', 'No web processes running', noInstancesPage(route.app, req.requestId));
    const h = req.headers;
    const length = h['content-length'];
    req.bodyless = h['transfer-encoding'] === undefined && (length === undefined || length === '0');
    const m = req.method;
    req.idempotent = m === 'GET' || m === 'HEAD' || m === 'OPTIONS';
    const url = req.url;
    if (url !== undefined && url.charCodeAt(0) !== 0x2f /* / */) req.url = originForm(url);
    this.attempt(req, res);
  }

  /** Proxies a websocket upgrade (no retry: http-proxy closes the client socket on failure). */
  ws(req: RoutedRequest, socket: Duplex, head: Buffer, route: RouteEntry): void {
    req.route = route;
    const backend = pickBackend(route.pool, Date.now());
    if (backend === undefined) {
      req.errorCode = 'H14';
      req.errorDesc = 'No web processes running';
      return writeSocketPage(socket, noInstancesPage(route.app, req.requestId), req.requestId);
    }
    this.use(req, backend);
    socket.once('close', () => releaseBackend(req));
    this.proxy.ws(req, socket, head, { target: backend.target, agent: false }, this.onWsError);
  }

  /** Closes pooled connections to instances. */
  close(): void {
    this.agent.destroy();
  }

  private use(req: RoutedRequest, backend: BackendState): void {
    backend.inflight++;
    req.backend = backend;
    req.servedBy = backend.process;
    req.attempts++;
    req.connected = false;
    req.reusedSocket = false;
    req.upstream = undefined;
    req.attemptAt = performance.now();
  }

  private attempt(req: RoutedRequest, res: Response): void {
    const backend = pickBackend(req.route!.pool, Date.now(), req.tried);
    if (backend === undefined) return this.unreachable(req, res);
    this.use(req, backend);
    if (req.bodyless) {
      this.proxy.web(req, res, { target: backend.target }, this.onWebError);
    } else {
      req.gate = new PassThrough();
      this.proxy.web(req, res, { target: backend.target, buffer: req.gate }, this.onWebError);
    }
  }

  private onUpstreamRequest(proxyReq: ClientRequest, req: RoutedRequest, socket: Socket): void {
    req.upstream = proxyReq;
    proxyReq.setTimeout(this.timeouts.firstByteMs, onFirstByteTimeout);
    if (socket.connecting) this.watchConnect(req, proxyReq, socket);
    else {
      req.reusedSocket = proxyReq.reusedSocket;
      connected(req);
    }
  }

  private onUpstreamWsRequest(proxyReq: ClientRequest, req: RoutedRequest): void {
    req.upstream = proxyReq;
    proxyReq.setTimeout(this.timeouts.firstByteMs, onFirstByteTimeout);
    proxyReq.once('socket', (socket: Socket) => {
      if (socket.connecting) this.watchConnect(req, proxyReq, socket);
      else connected(req);
    });
    const responded = () => {
      req.responded = true;
    };
    proxyReq.once('upgrade', responded);
    proxyReq.once('response', responded);
  }

  /** A new connection: bounded connect time; the body flows once connected. */
  private watchConnect(req: RoutedRequest, proxyReq: ClientRequest, socket: Socket): void {
    const timer = setTimeout(onConnectTimeout, this.timeouts.connectMs, socket);
    socket.once('connect', () => {
      clearTimeout(timer);
      if (req.upstream === proxyReq) connected(req);
    });
    socket.once('close', () => clearTimeout(timer));
  }

  private onUpstreamResponse(proxyRes: IncomingMessage, req: RoutedRequest, res: Response): void {
    req.responded = true;
    req.upstream?.setTimeout(0);
    const h = proxyRes.headers;
    // Hop-by-hop: the client connection is the router's business. http-proxy copies
    // req.headers.connection into the response (setConnection pass), so both are set here.
    const connection = res.shouldKeepAlive ? 'keep-alive' : 'close';
    h.connection = connection;
    req.headers.connection = connection;
    const keepAlive = h['keep-alive'];
    if (keepAlive !== undefined) {
      // Not copied to the client (for...in skips it), still read by the agent's keep-alive
      // logic, which honours the instance's idle timeout hint.
      Object.defineProperty(h, 'keep-alive', { value: keepAlive, enumerable: false, writable: true, configurable: true });
    }
    const via = h.via;
    h.via = via ? `${via}, ${VIA}` : VIA;
    // http-proxy pipes the instance's response into res; if the instance goes away mid-body
    // the pipe just stops, so cut the client connection rather than leave it hanging.
    proxyRes.once('close', () => {
      if (!proxyRes.complete && !res.writableEnded) res.destroy();
    });
  }

  private readonly onWebError = (err: Error, req: RoutedRequest, target: ServerResponse | Socket, to?: ProxyTargetUrl): void => {
    const backend = req.backend;
    // Errors of an earlier attempt (already handled) or after the request was released.
    if (backend === undefined || to !== backend.target) return;
    const res = target as Response;
    releaseBackend(req);
    if (req.responded || res.headersSent) {
      req.errorCode = 'H13';
      req.errorDesc = 'Connection closed mid-response';
      res.destroy();
      return;
    }
    if (res.destroyed || req.socket.destroyed) return; // the client left
    const code = errorCode(err);
    const route = req.route!;
    if (code === UPSTREAM_TIMEOUT) {
      this.log.warn(`at=error code=H12 desc="Request timeout" app=${route.app} process=${backend.process} request_id=${req.requestId}`);
      return this.fail(req, res, 'H12', 'Request timeout', timeoutPage(route.app, Math.round(this.timeouts.firstByteMs / 1000), req.requestId));
    }
    const neverConnected = !req.connected;
    const reset = code === 'ECONNRESET' || code === 'EPIPE';
    // A reset on a reused keep-alive connection is the instance closing an idle connection,
    // not a sign it is down.
    const failed = neverConnected || (reset && !req.reusedSocket);
    const retry = (neverConnected || (reset && req.bodyless && req.idempotent)) && req.attempts < this.maxAttempts;
    const now = Date.now();
    if (failed) eject(backend, now, this.timeouts.ejectMs);
    this.log.warn(
      `at=warn code=${neverConnected ? 'connect_failed' : reset ? 'upstream_reset' : 'bad_response'} app=${route.app} process=${backend.process} ` +
        `addr=${backend.target.host}:${backend.target.port} error=${code}${failed ? ` ejected=${this.timeouts.ejectMs}ms` : ''} ` +
        `retry=${retry} request_id=${req.requestId}`,
    );
    if (retry) {
      if (failed) (req.tried ??= []).push(backend);
      return this.attempt(req, res);
    }
    if (neverConnected || reset) {
      if (neverConnected) return this.unreachable(req, res);
      return this.fail(req, res, 'H13', 'Connection closed without response', badResponsePage(route.app, req.requestId));
    }
    return this.fail(req, res, 'H13', `Bad response from instance (${code})`, badResponsePage(route.app, req.requestId));
  };

  private readonly onWsError = (err: Error, req: RoutedRequest, socket: ServerResponse | Socket): void => {
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
    const page =
      code === UPSTREAM_TIMEOUT ? timeoutPage(route.app, Math.round(this.timeouts.firstByteMs / 1000), req.requestId) : unreachablePage(route.app, req.requestId);
    req.errorCode = code === UPSTREAM_TIMEOUT ? 'H12' : 'H10';
    req.errorDesc = code === UPSTREAM_TIMEOUT ? 'Request timeout' : 'No instance reachable';
    writeSocketPage(socket as Socket, page, req.requestId);
  };

  private unreachable(req: RoutedRequest, res: Response): void {
    const route = req.route!;
    this.log.warn(`at=error code=H10 desc="No instance reachable" app=${route.app} attempts=${req.attempts} request_id=${req.requestId}`);
    this.fail(req, res, 'H10', 'No instance reachable', unreachablePage(route.app, req.requestId));
  }

  private fail(req: RoutedRequest, res: Response, code: string, desc: string, page: Page): void {
    req.errorCode = code;
    req.errorDesc = desc;
    sendPage(res, page);
  }
}

/** Gives the request's instance back (one outstanding request fewer). Idempotent. */
export function releaseBackend(req: RoutedRequest): void {
  const b = req.backend;
  if (b !== undefined) {
    b.inflight--;
    req.backend = undefined;
  }
}

function connected(req: RoutedRequest): void {
  req.connected = true;
  req.connectMs = performance.now() - req.attemptAt;
  const gate = req.gate;
  if (gate !== undefined) req.pipe(gate);
}

function onFirstByteTimeout(this: ClientRequest): void {
  const connecting = this.socket?.connecting === true;
  this.destroy(upstreamError(connecting ? 'connect timeout' : 'no response in time', connecting ? CONNECT_TIMEOUT : UPSTREAM_TIMEOUT));
}

function onConnectTimeout(socket: Socket): void {
  socket.destroy(upstreamError('connect timeout', CONNECT_TIMEOUT));
}

function upstreamError(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

function errorCode(err: Error): string {
  const code = (err as NodeJS.ErrnoException).code;
  return typeof code === 'string' ? code : err.name;
}

/** "http://host/path?q" (absolute-form request target) -> "/path?q". */
function originForm(url: string): string {
  if (url === '*') return url;
  try {
    const u = new URL(url);
    return `${u.pathname}${u.search}`;
  } catch {
    return `/${url}`;
  }
}
