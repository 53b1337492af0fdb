/**
 * Assembles the router: the live routing table, the proxy and the HTTP server, and answers
 * what is not proxied (health, unknown hosts). `startRouter` takes every dependency as a
 * parameter so tests run it in-process on port 0.
 *
 *   client --HTTP/WS--> server.ts --Host--> table.ts (in memory) --route--> proxy.ts --> instance
 *                                                  ^ Redis pub/sub + HMGET
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, ServerResponse, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { Server as NetServer, type Socket } from 'node:net';
import { hostname as machineName } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import { publishEvent, RoutingTable, type Keys } from '@gantry/live';
import { accessLogLine } from './access-log';
import { ClientLane, type LaneRequest, type LaneResponse } from './client-lane';
import { answerAndClose, createClientErrorHandler } from './client-errors';
import { prepareForwardHeaders, requestIdFor } from './headers';
import { normalizeHost } from './hostname';
import { DEFAULT_LIMITS, declaresTooLargeBody, type RouterLimits } from './limits';
import { silentLogger, type Logger } from './log';
import { badRequestPage, connectPage, notFoundPage, sendHealth, sendPage, sendRedirect, upgradeWithBodyPage, writeSocketPage, type PageResponse } from './pages';
import { AppProxy, type ProxyTimeouts } from './proxy';
import { requestRefusal } from './request-checks';
import { RoutedRequest, type ClientResponse, type ProxiedRequest } from './request';
import type { RouterMetrics } from './metrics';
import { LiveTable, type LiveTableOptions, type RedisConnection } from './table';
import type { SniCallback } from './tls';
import { WebSocketProxy } from './websocket';

export interface RouterTimeouts extends ProxyTimeouts {
  /** How long in-flight requests get to finish on shutdown. */
  drainMs: number;
  /** On shutdown, the router keeps accepting this long (within drainMs) while its health check
   *  says it is draining and every answer closes its connection; then it stops accepting. */
  lingerMs: number;
  /** Presence report / version check interval. */
  heartbeatMs: number;
  /** Idle keep-alive connections from clients are closed after this. */
  clientKeepAliveMs: number;
  /** A client's request head must arrive within this (then 408). */
  clientHeadMs: number;
  /** A client's whole request, body included, must arrive within this (then 408). */
  clientRequestMs: number;
}

export const DEFAULT_TIMEOUTS: RouterTimeouts = {
  connectMs: 3_000,
  firstByteMs: 30_000,
  ejectMs: 2_000,
  // Heroku's 55 s: SSE and websockets need a byte (a comment, a ping) more often than this.
  streamIdleMs: 55_000,
  drainMs: 10_000,
  lingerMs: 1_000,
  heartbeatMs: 2_000,
  // Above the 60 s idle timeout of common load balancers that may sit in front.
  clientKeepAliveMs: 65_000,
  // Node's default headersTimeout and requestTimeout.
  clientHeadMs: 60_000,
  clientRequestMs: 300_000,
};

export interface RouterDeps {
  /** Address and port to listen on (port 0: any free port). */
  bind: string;
  port: number;
  /** Apps answer at <app>.<appsDomain> (named on the 404 page). */
  appsDomain: string;
  /** Redis keys of the installation (keysFor(GANTRY_INSTANCE)). */
  keys: Keys;
  /** Command connection (table reads, presence reports). */
  redis: RedisConnection;
  /** A second connection, used only for the subscription. */
  subscriber: RedisConnection;
  /** Name in the routers hash; unique per router process by default. */
  routerId?: string;
  log?: Logger;
  /** Receives one line per request when set, with the id of the app it was for (if any). */
  accessLog?: (line: string, appId: string | undefined) => void;
  /** HTTPS: certificates chosen by SNI; `publicPort` is the port named in redirects to HTTPS. */
  tls?: { port: number; sniCallback: SniCallback; publicPort?: number };
  timeouts?: Partial<RouterTimeouts>;
  /** Request size limits (DEFAULT_LIMITS otherwise). */
  limits?: Partial<RouterLimits>;
  /** Counts every answered app request (status, latency) when set; see metrics.ts. */
  metrics?: Pick<RouterMetrics, 'record'>;
  /** The table to serve when Redis does not answer at start, and where applied tables go (table.ts). */
  table?: Pick<LiveTableOptions, 'saved' | 'onApplied'>;
}

export interface RunningRouter {
  readonly id: string;
  readonly port: number;
  /** HTTPS port, when serving TLS. */
  readonly tlsPort: number | undefined;
  /** Routing-table version served. */
  readonly version: number;
  /** True while the table served is the saved one, Redis not reached yet. */
  readonly servingSaved: boolean;
  /** Stops accepting, lets in-flight requests finish (bounded), leaves the routers hash. */
  close(): Promise<void>;
}

export async function startRouter(deps: RouterDeps): Promise<RunningRouter> {
  const timeouts: RouterTimeouts = { ...DEFAULT_TIMEOUTS, ...deps.timeouts };
  const limits: RouterLimits = { ...DEFAULT_LIMITS, ...deps.limits };
  const log = deps.log ?? silentLogger;
  const accessLog = deps.accessLog;
  const metrics = deps.metrics;
  const tlsPublicPort = deps.tls === undefined ? undefined : (deps.tls.publicPort ?? deps.tls.port);
  const id = deps.routerId ?? `${machineName()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  // The event loop's lateness between presence reports: a 10 ms timer, and how much later than
  // 10 ms it fired (Node records the whole interval).
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const table = new LiveTable({
    presence: () => {
      const ms = (ns: number) => Math.round(Math.max(0, ns - 10e6) / 1e4) / 100;
      const eventLoop = { p50Ms: ms(loopDelay.percentile(50)), p99Ms: ms(loopDelay.percentile(99)), maxMs: ms(loopDelay.max) };
      loopDelay.reset();
      return { eventLoop };
    },
    routing: new RoutingTable(deps.redis, deps.keys),
    subscriber: deps.subscriber,
    commands: deps.redis,
    channel: deps.keys.routesChanged,
    routerId: id,
    log,
    heartbeatMs: timeouts.heartbeatMs,
    ...deps.table,
    onApplied: (current) => {
      deps.table?.onApplied?.(current);
      proxy.routesChanged();
    },
  });
  const proxy = new AppProxy({
    timeouts,
    log,
    maxBodyBytes: limits.maxBodyBytes,
    wake: {
      lookup: (hostname) => table.lookup(hostname),
      // The leading scheduler takes it (on the events channel it already follows).
      requestWake: (appId) => publishEvent(deps.redis, deps.keys, { kind: 'wake', appId, by: id }),
    },
  });
  const wsProxy = new WebSocketProxy(timeouts, log);

  let inflight = 0;
  let draining = false;
  let onDrained: (() => void) | undefined;
  const websockets = new Set<Duplex>();

  /** A response ended, or its client went away: the request's accounting. */
  function responseClosed(req: ProxiedRequest, res: { readonly statusCode: number; getHeader(name: string): unknown }): void {
    proxy.release(req);
    if (metrics !== undefined && req.route !== undefined) metrics.record(req.route.appId, res.statusCode, performance.now() - req.startedAt);
    if (accessLog !== undefined && (req.route !== undefined || !isHealthCheck(req))) {
      const bytes = req.responded ? req.bytesOut : Number(res.getHeader('content-length') ?? 0);
      accessLog(accessLogLine(req, res.statusCode, bytes, performance.now()), req.route?.appId || undefined);
    }
    if (--inflight === 0 && onDrained !== undefined) onDrained();
  }

  function onResponseClose(this: ServerResponse<RoutedRequest>): void {
    responseClosed(this.req, this);
  }

  /**
   * A request read by the client lane: the router's health check is answered, a request for an
   * app proxied; anything else (unknown hosts, HTTPS redirects) is left to Node's server, with
   * the connection.
   */
  function onLaneRequest(req: LaneRequest, res: LaneResponse): boolean {
    if (isHealthCheck(req)) {
      answerHealth(req, res);
      return true;
    }
    const route = table.lookup(normalizeHost(req.headers.host));
    if (route === undefined || (route.httpsRedirect && tlsPublicPort !== undefined && !isEncrypted(req.socket))) return false;
    begin(req, res);
    proxy.web(req, res, route);
    return true;
  }

  /** A request starts counting (in flight, latency) and gets its id; while draining, its answer closes the connection. */
  function begin(req: ProxiedRequest, res: ClientResponse): string {
    req.startedAt = performance.now();
    inflight++;
    req.requestId = requestIdFor(req.headers);
    if (draining) res.shouldKeepAlive = false;
    return req.requestId;
  }

  /**
   * GET/HEAD /_health, whatever the Host: the router's own health, never an app's (a Host that
   * names an app, or an address a user once claimed, must not take a balancer's check away).
   */
  function answerHealth(req: ProxiedRequest, res: ClientResponse & PageResponse): void {
    const requestId = begin(req, res);
    res.setHeader('x-request-id', requestId);
    sendHealth(res, { ok: !draining, draining, version: table.version, routes: table.size, redis: table.redisDown ? 'down' : 'up' });
  }

  function onRequest(req: RoutedRequest, res: ServerResponse<RoutedRequest>): void {
    res.once('close', onResponseClose);
    const refusal = requestRefusal(req.rawHeaders);
    if (refusal !== undefined) return refuse(req, res, refusal);
    if (isHealthCheck(req)) return answerHealth(req, res);
    const requestId = begin(req, res);
    const hostname = normalizeHost(req.headers.host);
    const route = table.lookup(hostname);
    if (route === undefined) {
      res.setHeader('x-request-id', requestId);
      return sendPage(res, notFoundPage(hostname, deps.appsDomain, requestId));
    }
    if (route.httpsRedirect && tlsPublicPort !== undefined && !isEncrypted(req.socket)) {
      req.route = route;
      res.setHeader('x-request-id', requestId);
      return sendRedirect(res, httpsLocation(hostname, tlsPublicPort, req.url ?? '/'), req.method === 'GET' || req.method === 'HEAD' ? 301 : 308);
    }
    // Forwarded headers are applied while the upstream request head is written (request-head.ts);
    // the response carries X-Request-Id from there too.
    proxy.web(req, res, route);
  }

  /** A request HTTP/1.1 does not allow (request-checks.ts): 400, and the connection closes. */
  function refuse(req: RoutedRequest, res: ServerResponse<RoutedRequest>, why: string): void {
    const requestId = begin(req, res);
    res.shouldKeepAlive = false;
    res.setHeader('x-request-id', requestId);
    sendPage(res, badRequestPage(requestId, why));
  }

  function onUpgrade(req: RoutedRequest, socket: Duplex, head: Buffer): void {
    req.startedAt = performance.now();
    socket.on('error', () => socket.destroy());
    const requestId = requestIdFor(req.headers);
    req.requestId = requestId;
    const refusal = requestRefusal(req.rawHeaders);
    if (refusal !== undefined) return answerAndClose(socket, badRequestPage(requestId, refusal), requestId);
    // The health check is answered as a plain request (the upgrade ignored).
    if (req.headers.upgrade?.toLowerCase() !== 'websocket' || isHealthCheck(req)) return serveAsPlainRequest(req, socket, head);
    if (draining) return void socket.destroy();
    const hostname = normalizeHost(req.headers.host);
    const route = table.lookup(hostname);
    if (route === undefined) return writeSocketPage(socket, notFoundPage(hostname, deps.appsDomain, requestId), requestId);
    websockets.add(socket);
    socket.once('close', () => {
      websockets.delete(socket);
      if (accessLog !== undefined) accessLog(accessLogLine(req, req.responded && !req.errorCode ? 101 : 503, 0, performance.now()), route.appId || undefined);
    });
    prepareForwardHeaders(req.headers, { remoteAddress: req.socket.remoteAddress, encrypted: isEncrypted(req.socket), localPort: req.socket.localPort, requestId }, true);
    wsProxy.ws(req, socket, head, route);
  }

  /**
   * Node hands every request with "Connection: upgrade" to the upgrade listener. Upgrades to
   * anything but websocket (h2c, sent by `curl --http2`) are answered as plain HTTP/1.1
   * requests on a one-off response object, ignoring the upgrade as RFC 9110 allows. Node does
   * not parse the body of such requests, so those with a body are refused.
   */
  function serveAsPlainRequest(req: RoutedRequest, socket: Duplex, head: Buffer): void {
    const res = new ServerResponse(req) as ServerResponse<RoutedRequest>;
    res.shouldKeepAlive = false;
    res.assignSocket(socket as Socket);
    let closed = false;
    const emitClose = () => {
      if (closed) return;
      closed = true;
      res.emit('close');
    };
    res.once('finish', () => {
      res.detachSocket(socket as Socket);
      socket.end();
      process.nextTick(emitClose);
    });
    socket.once('close', emitClose);
    delete req.headers.upgrade;
    const length = req.headers['content-length'];
    if (head.length > 0 || req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0')) {
      req.startedAt = performance.now();
      inflight++;
      res.once('close', onResponseClose);
      res.setHeader('x-request-id', req.requestId);
      return sendPage(res, upgradeWithBodyPage(req.requestId));
    }
    onRequest(req, res);
  }

  const serverOptions = {
    IncomingMessage: RoutedRequest,
    keepAliveTimeout: timeouts.clientKeepAliveMs,
    headersTimeout: timeouts.clientHeadMs,
    requestTimeout: timeouts.clientRequestMs,
    maxHeaderSize: limits.maxHeaderBytes,
  };
  const servers: Server<typeof RoutedRequest>[] = [createServer(serverOptions, onRequest)];
  // Without SNI, or for a name without a certificate, the handshake fails (no default certificate).
  if (deps.tls !== undefined) servers.push(createTlsServer({ ...serverOptions, SNICallback: deps.tls.sniCallback }, onRequest) as unknown as Server<typeof RoutedRequest>);
  // Client connections (plain, and TLS once the handshake is done) go to a client lane first; it
  // hands them to Node's server (its own listener of the event) when a request is not one it serves.
  const lanes = servers.map((server, i) => attachLane(server, i === 0 ? 'connection' : 'secureConnection'));
  function attachLane(server: Server<typeof RoutedRequest>, event: 'connection' | 'secureConnection'): ClientLane {
    const nodeListener = server.listeners(event)[0] as (socket: Socket) => void;
    const lane = new ClientLane({
      maxHeaderBytes: limits.maxHeaderBytes,
      keepAliveMs: timeouts.clientKeepAliveMs,
      headersTimeoutMs: timeouts.clientHeadMs,
      requestTimeoutMs: timeouts.clientRequestMs,
      dispatch: onLaneRequest,
      handOff: (socket) => nodeListener.call(server, socket),
      closed: (res) => responseClosed(res.req, res),
    });
    server.removeListener(event, nodeListener);
    server.on(event, lane.accept);
    return lane;
  }
  const onClientError = createClientErrorHandler({ ...limits, log, abandon: (req) => proxy.release(req) });
  for (const server of servers) {
    server.on('upgrade', onUpgrade);
    // 431 (head too large), 400, 408 with the router's page instead of Node's bare answer.
    server.on('clientError', onClientError);
    // "Expect: 100-continue": no 100 for a body that will be refused (413, 400) anyway.
    server.on('checkContinue', (req: RoutedRequest, res: ServerResponse<RoutedRequest>) => {
      if (!declaresTooLargeBody(req.headers['content-length'], limits.maxBodyBytes) && requestRefusal(req.rawHeaders) === undefined) res.writeContinue();
      onRequest(req, res);
    });
    // CONNECT (a tunnel: the router is no forward proxy): a 400 page, then the connection closes.
    // Without a listener Node closes it with no answer at all.
    server.on('connect', (_req: RoutedRequest, socket: Duplex) => {
      const requestId = randomUUID();
      answerAndClose(socket, connectPage(requestId), requestId);
    });
  }
  // TLS handshakes that fail (no certificate for the name, a plain-HTTP client) just close.
  servers[1]?.on('tlsClientError', (err: Error) => log.debug(`tls: ${err.message}`));

  await table.start();
  try {
    await listen(servers[0]!, deps.port, deps.bind);
    if (deps.tls !== undefined) await listen(servers[1]!, deps.tls.port, deps.bind);
  } catch (err) {
    for (const server of servers) server.close();
    for (const lane of lanes) lane.closeAll();
    loopDelay.disable();
    await table.stop();
    proxy.close();
    throw err;
  }
  const port = boundPort(servers[0]!, deps.port);
  const tlsPort = servers[1] === undefined ? undefined : boundPort(servers[1], deps.tls!.port);

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      draining = true;
      const started = performance.now();
      // Linger, still accepting: /_health answers 503, so a balancer that checks it sends new
      // connections to another router, and every answer carries "Connection: close", so clients
      // on kept-alive connections reconnect (elsewhere) instead of finding their socket closed.
      const lingerMs = Math.min(timeouts.lingerMs, timeouts.drainMs);
      if (lingerMs > 0) await new Promise((resolve) => setTimeout(resolve, lingerMs));
      // Stop accepting. Not with http's close(), which would also drop idle keep-alive
      // connections at once, while a client may be sending its next request on one.
      const closed = Promise.all(servers.map((server) => new Promise<void>((resolve) => NetServer.prototype.close.call(server, () => resolve()))));
      for (const server of servers) server.closeIdleConnections();
      for (const lane of lanes) lane.closeIdle();
      if (inflight > 0) {
        const leftMs = Math.max(0, timeouts.drainMs - (performance.now() - started));
        log.info(`draining ${inflight} in-flight request(s), at most ${Math.round(leftMs)} ms`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, leftMs);
          onDrained = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        if (inflight > 0) log.warn(`at=warn code=drain_timeout desc="${inflight} request(s) cut at shutdown"`);
      }
      for (const ws of websockets) ws.destroy();
      for (const lane of lanes) lane.closeAll();
      for (const server of servers) {
        server.closeAllConnections();
        // http's own close now: stops its connection-checking timer (the listener is closed already).
        server.close(() => {});
      }
      await closed;
      loopDelay.disable();
      await table.stop();
      proxy.close();
    })());

  return {
    id,
    port,
    tlsPort,
    get version() {
      return table.version;
    },
    get servingSaved() {
      return table.servingSaved;
    },
    close,
  };
}

/** Where a plain-HTTP request is sent when its app wants HTTPS (port 443 is left out). */
function httpsLocation(hostname: string, port: number, url: string): string {
  return `https://${hostname}${port === 443 ? '' : `:${port}`}${url.startsWith('/') ? url : '/'}`;
}

function boundPort(server: Server, fallback: number): number {
  const address = server.address();
  return typeof address === 'object' && address !== null ? address.port : fallback;
}

function isHealthCheck(req: ProxiedRequest): boolean {
  const url = req.url;
  return (req.method === 'GET' || req.method === 'HEAD') && url !== undefined && (url === '/_health' || url.startsWith('/_health?'));
}

function isEncrypted(socket: Socket): boolean {
  return (socket as { encrypted?: boolean }).encrypted === true;
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
