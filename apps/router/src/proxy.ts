/**
 * Forwarding HTTP requests to app instances over the router's own keep-alive connections
 * (upstream-pool.ts, upstream-connection.ts), with the router's failure handling:
 *
 *  - connect failures (refused, unreachable, connect timeout, reset before anything came back
 *    on a fresh connection) eject the instance for a moment;
 *  - the request is retried on another instance when nothing reached the app (the body of a
 *    request is only read once the upstream connection is established, so any method can be
 *    retried after a connect failure) or when it is a GET/HEAD/OPTIONS without a body;
 *  - 30 s without the start of a response -> 504; failures after the response started cut
 *    the client connection (the status line is already out); a response stream idle for 55 s
 *    is cut too;
 *  - request bodies above the limit -> 413 (declared: before anything is forwarded).
 *
 * Websocket upgrades go through websocket.ts (http-proxy-3). A route without instances whose app
 * sleeps (or is waking) holds the request until it has one (wake-holds.ts).
 */
import { eject, pickBackend, releaseBackend } from './balancer';
import { declaresTooLargeBody } from './limits';
import type { Logger } from './log';
import { badResponsePage, bodyTooLargePage, noInstancesPage, sendPage, timeoutPage, unreachablePage, wakeBacklogPage, wakeTimeoutPage, type Page } from './pages';
import type { ClientResponse, ProxiedRequest } from './request';
import type { RouteEntry } from './table';
import { BAD_RESPONSE, BODY_TOO_LARGE, IDLE_TIMEOUT, UPSTREAM_TIMEOUT } from './upstream-connection';
import { UpstreamPool } from './upstream-pool';
import { WakeHolds, type WakeHoldsOptions } from './wake-holds';

export interface ProxyTimeouts {
  /** Establishing a TCP connection to an instance. */
  connectMs: number;
  /** From the request being sent to the first byte of the response (504 after). */
  firstByteMs: number;
  /** How long an instance that refused a connection is passed over. */
  ejectMs: number;
  /** A response stream or websocket without a byte either way for this long is closed. */
  streamIdleMs: number;
}

export interface AppProxyOptions {
  timeouts: ProxyTimeouts;
  log: Logger;
  /** Request bodies above this get 413. */
  maxBodyBytes: number;
  /** At most this many instances are tried for one request. */
  maxAttempts?: number;
  /** Connections per instance (requests beyond wait for one). */
  maxSocketsPerInstance?: number;
  /** Sleeping apps: how to find a route again and ask for a wake; without it, no request is held. */
  wake?: Pick<WakeHoldsOptions, 'lookup' | 'requestWake' | 'maxPerApp'>;
}

export class AppProxy {
  private readonly pool: UpstreamPool;
  private readonly timeouts: ProxyTimeouts;
  private readonly log: Logger;
  private readonly maxAttempts: number;
  private readonly maxBodyBytes: number;
  private readonly holds: WakeHolds | undefined;

  constructor(o: AppProxyOptions) {
    this.timeouts = o.timeouts;
    this.log = o.log;
    this.maxAttempts = o.maxAttempts ?? 5;
    this.maxBodyBytes = o.maxBodyBytes;
    this.pool = new UpstreamPool({
      connectMs: o.timeouts.connectMs,
      firstByteMs: o.timeouts.firstByteMs,
      streamIdleMs: o.timeouts.streamIdleMs,
      maxBodyBytes: o.maxBodyBytes,
      maxPerInstance: o.maxSocketsPerInstance,
      onDone: releaseBackend,
      onError: (req, err) => this.onUpstreamError(req, err),
    });
    if (o.wake !== undefined) {
      this.holds = new WakeHolds({
        ...o.wake,
        log: o.log,
        resume: (req, route) => (route === undefined ? this.fail(req, 'H14', 'No web processes running', noInstancesPage(req.route!.app, req.requestId)) : this.web(req, req.res!, route)),
        giveUp: (req, route, why) => {
          const seconds = Math.round(route.sleep!.wakeTimeoutMs / 1000);
          if (why === 'backlog') return this.fail(req, 'H11', 'Backlog too deep (waking up)', wakeBacklogPage(route.app, req.requestId));
          this.log.warn(`at=error code=H20 desc="App boot timeout" app=${route.app} waited=${seconds}s request_id=${req.requestId}`);
          this.fail(req, 'H20', 'App boot timeout', wakeTimeoutPage(route.app, seconds, req.requestId));
        },
      });
    }
  }

  /** The table changed: held requests whose app now has an instance go on. */
  routesChanged(): void {
    this.holds?.routesChanged();
  }

  /** Proxies an HTTP request to one of the route's instances. */
  web(req: ProxiedRequest, res: ClientResponse, route: RouteEntry): void {
    req.route = route;
    req.res = res;
    if (route.pool.backends.length === 0) {
      if (this.holds?.shouldHold(route)) return this.holds.hold(req, route);
      return this.fail(req, 'H14', 'No web processes running', noInstancesPage(route.app, req.requestId));
    }
    const h = req.headers;
    const length = h['content-length'];
    const chunked = h['transfer-encoding'] !== undefined;
    req.chunked = chunked;
    req.bodyless = !chunked && (length === undefined || length === '0');
    if (!chunked && declaresTooLargeBody(length, this.maxBodyBytes)) return this.tooLarge(req);
    const m = req.method;
    req.idempotent = m === 'GET' || m === 'HEAD' || m === 'OPTIONS';
    const url = req.url;
    if (url !== undefined && url.charCodeAt(0) !== 0x2f /* / */) req.url = originForm(url);
    this.attempt(req);
  }

  /**
   * The client's response closed (finished or not): gives the instance back and abandons what
   * is still going on upstream for it. Idempotent.
   */
  release(req: ProxiedRequest): void {
    if (req.wakeHeld) this.holds!.cancel(req);
    const conn = req.conn;
    if (conn !== undefined) conn.abort();
    else if (req.waitingSince >= 0) this.pool.cancel(req);
    releaseBackend(req);
  }

  /** Answers what is held and closes the connections to instances. */
  close(): void {
    this.holds?.close();
    this.pool.close();
  }

  private attempt(req: ProxiedRequest): void {
    const backend = pickBackend(req.route!.pool, Date.now(), req.tried);
    if (backend === undefined) return this.unreachable(req);
    backend.inflight++;
    req.backend = backend;
    req.servedBy = backend.process;
    req.attempts++;
    req.connected = false;
    req.reusedSocket = false;
    req.connectMs = 0;
    req.attemptAt = performance.now();
    this.pool.acquire(backend, req);
  }

  private onUpstreamError(req: ProxiedRequest, err: Error): void {
    const backend = req.backend;
    const res = req.res!;
    releaseBackend(req);
    if (backend === undefined) return; // released already: the client is gone
    const code = errorCode(err);
    const route = req.route!;
    if (req.responded || res.headersSent) {
      req.errorCode = code === IDLE_TIMEOUT ? 'H15' : 'H13';
      req.errorDesc = code === IDLE_TIMEOUT ? 'Idle connection' : 'Connection closed mid-response';
      if (code === IDLE_TIMEOUT) this.log.info(`at=info code=H15 desc="Idle connection" app=${route.app} process=${backend.process} request_id=${req.requestId}`);
      else this.log.warn(`at=warn code=H13 desc="Connection closed mid-response" app=${route.app} process=${backend.process} error=${code} request_id=${req.requestId}`);
      res.destroy();
      return;
    }
    if (res.destroyed || req.socket.destroyed) return; // the client left
    if (code === BODY_TOO_LARGE) return this.tooLarge(req);
    if (code === UPSTREAM_TIMEOUT) {
      this.log.warn(`at=error code=H12 desc="Request timeout" app=${route.app} process=${backend.process} request_id=${req.requestId}`);
      const seconds = Math.round((route.firstByteMs ?? this.timeouts.firstByteMs) / 1000);
      return this.fail(req, 'H12', 'Request timeout', timeoutPage(route.app, seconds, req.requestId));
    }
    const neverConnected = !req.connected;
    const reset = code === 'ECONNRESET' || code === 'EPIPE';
    // A reset on a reused keep-alive connection is the instance closing an idle connection,
    // not a sign it is down.
    const failed = neverConnected || (reset && !req.reusedSocket);
    const retry = (neverConnected || (reset && req.bodyless && req.idempotent)) && req.attempts < this.maxAttempts;
    if (failed) eject(backend, Date.now(), this.timeouts.ejectMs);
    this.log.warn(
      `at=warn code=${neverConnected ? 'connect_failed' : reset ? 'upstream_reset' : 'bad_response'} app=${route.app} process=${backend.process} ` +
        `addr=${backend.target.host}:${backend.target.port} error=${code}${code === BAD_RESPONSE ? ` desc=${JSON.stringify(err.message)}` : ''}` +
        `${failed ? ` ejected=${this.timeouts.ejectMs}ms` : ''} retry=${retry} request_id=${req.requestId}`,
    );
    if (retry) {
      if (failed) (req.tried ??= []).push(backend);
      return this.attempt(req);
    }
    if (neverConnected) return this.unreachable(req);
    if (reset) return this.fail(req, 'H13', 'Connection closed without response', badResponsePage(route.app, req.requestId));
    return this.fail(req, 'H13', `Bad response from instance (${code})`, badResponsePage(route.app, req.requestId));
  }

  private tooLarge(req: ProxiedRequest): void {
    // The body is not read: the connection is closed after the answer.
    req.res!.shouldKeepAlive = false;
    this.fail(req, '', '', bodyTooLargePage(this.maxBodyBytes, req.requestId));
  }

  private unreachable(req: ProxiedRequest): void {
    const route = req.route!;
    this.log.warn(`at=error code=H10 desc="No instance reachable" app=${route.app} attempts=${req.attempts} request_id=${req.requestId}`);
    this.fail(req, 'H10', 'No instance reachable', unreachablePage(route.app, req.requestId));
  }

  /** Answers with the router's page. */
  private fail(req: ProxiedRequest, code: string, desc: string, page: Page): void {
    const res = req.res!;
    req.errorCode = code;
    req.errorDesc = desc;
    if (!req.complete && !req.bodyless) {
      // Part of the body may be unread (or paused): drop it and close after the answer.
      res.shouldKeepAlive = false;
      req.resume();
    }
    if (!res.headersSent) res.setHeader('x-request-id', req.requestId);
    sendPage(res, page);
  }
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
