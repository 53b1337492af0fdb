/**
 * One keep-alive TCP connection to an instance, carrying one request at a time:
 *
 *   connect ──▶ write the request head (one string, one write) ──▶ body, if any, as the client
 *   sends it (Content-Length: as is; chunked: chunked again), paused while the instance's
 *   socket is full ──▶ response parsed as it arrives (response-parser.ts): head ──▶ writeHead
 *   on the client's response; body slices ──▶ res.write, the instance's socket paused while the
 *   client's is full ──▶ end ──▶ back to the pool, unless either side said close.
 *
 * Every socket listener is attached once per connection, never per request. Timeouts are not
 * timers: the pool's sweeper looks at `phase`, `deadline` and `active` a few times a second.
 */
import { connect, type Socket } from 'node:net';
import type { BackendState } from './balancer';
import { requestHead } from './request-head';
import type { ProxiedRequest } from './request';
import { clientResponseHeaders } from './response-head';
import { ResponseError, ResponseParser, type ResponseHandler, type ResponseHead } from './response-parser';

export const enum Phase {
  /** In the pool, waiting for a request. */
  Idle,
  Connecting,
  /** Request head written, body still flowing from the client. */
  Sending,
  /** Request complete, no response yet (first-byte timeout). */
  Awaiting,
  /** Response head passed to the client, body flowing (idle timeout). */
  Streaming,
  Closed,
}

/** Error codes of the upstream side (others are socket errors: ECONNREFUSED, ECONNRESET...). */
export const CONNECT_TIMEOUT = 'GANTRY_CONNECT_TIMEOUT';
export const UPSTREAM_TIMEOUT = 'GANTRY_UPSTREAM_TIMEOUT';
export const IDLE_TIMEOUT = 'GANTRY_IDLE_TIMEOUT';
export const BODY_TOO_LARGE = 'GANTRY_BODY_TOO_LARGE';
export const BAD_RESPONSE = 'BAD_RESPONSE';

/** Shared by every upstream connection: see the constructor. */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);
/** Last body slices up to this size are passed on as strings. */
const SMALL_BODY = 16 * 1024;

export function upstreamError(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

/** What a connection needs from its pool. */
export interface ConnectionOwner {
  readonly maxBodyBytes: number;
  /** Idle connections are closed after this (shortened by the instance's Keep-Alive hint). */
  readonly idleSocketMs: number;
  /** No start of a response within this -> 504 (the route's setting, else the router's). */
  firstByteMs(req: ProxiedRequest): number;
  /** A response stream without a byte either way for this long is cut. */
  streamIdleMs(req: ProxiedRequest): number;
  /** The response is complete and the connection can serve another request. */
  reusable(conn: UpstreamConnection): void;
  /** The connection is closed (it no longer counts against the instance's limit). */
  gone(conn: UpstreamConnection): void;
  /** The exchange of `req` ended: the response was complete. */
  done(req: ProxiedRequest): void;
  /** The exchange of `req` failed; the connection is already closed. */
  failed(req: ProxiedRequest, err: Error): void;
}

export class UpstreamConnection implements ResponseHandler {
  readonly socket: Socket;
  private readonly parser: ResponseParser;
  phase = Phase.Connecting;
  /** The request being served. */
  req: ProxiedRequest | undefined = undefined;
  /** When the sweeper acts (connect, first byte, idle stream, idle in the pool). */
  deadline: number;
  /** Bytes moved since the sweeper last looked (it then moves an idle deadline). */
  active = false;
  /** Responses completed on this connection. */
  served = 0;
  /** How long this connection may stay idle (the instance's Keep-Alive hint, capped). */
  idleMs: number;
  private connected = false;
  /** The response asked for the connection to be closed (or runs until close). */
  private closeAfter = false;
  /** The request body is paused until this socket drains. */
  private bodyPaused = false;
  /** This socket is paused until the client's drains. */
  private clientPaused = false;

  constructor(
    private readonly owner: ConnectionOwner,
    readonly backend: BackendState,
    connectMs: number,
  ) {
    this.parser = new ResponseParser(this);
    this.idleMs = owner.idleSocketMs;
    this.deadline = performance.now() + connectMs;
    const { host, port } = backend.target;
    // Reads land in one buffer shared by all upstream connections (each read is handled before
    // the next happens), and go straight to the parser: no Buffer per read, no stream events.
    const socket = connect({
      host,
      port,
      noDelay: true,
      keepAlive: true,
      keepAliveInitialDelay: 1000,
      onread: { buffer: READ_BUFFER, callback: (n: number) => this.onRead(n) },
    });
    this.socket = socket;
    socket.on('connect', this.onConnect);
    socket.on('end', this.onSocketEnd);
    socket.on('error', this.onSocketError);
    socket.on('close', this.onSocketClose);
    socket.on('drain', this.onSocketDrain);
  }

  get closed(): boolean {
    return this.phase === Phase.Closed;
  }

  /** Takes a request: sends it now when connected, else once connected. */
  assign(req: ProxiedRequest): void {
    this.req = req;
    req.conn = this;
    req.connected = this.connected;
    req.reusedSocket = this.served > 0;
    if (this.connected) {
      req.connectMs = performance.now() - req.attemptAt;
      this.send(req);
    }
  }

  /** The client went away, or the router stops: closes without reporting a failure. */
  abort(): void {
    const req = this.req;
    if (req !== undefined) this.detach(req);
    this.destroy();
  }

  /** Closes the connection (idempotent). */
  destroy(): void {
    if (this.phase === Phase.Closed) return;
    this.phase = Phase.Closed;
    this.parser.stop();
    this.socket.destroy();
    this.owner.gone(this);
  }

  /** Called by the sweeper with the current time: acts on a passed deadline. */
  tick(now: number): void {
    switch (this.phase) {
      case Phase.Idle:
        if (now >= this.deadline) this.destroy();
        return;
      case Phase.Connecting:
        if (now >= this.deadline) {
          if (this.req === undefined) this.destroy();
          else this.fail(upstreamError('connect timeout', CONNECT_TIMEOUT));
        }
        return;
      case Phase.Sending:
      case Phase.Awaiting:
        if (this.active) {
          this.active = false;
          this.deadline = now + this.owner.firstByteMs(this.req!);
        } else if (now >= this.deadline) this.fail(upstreamError('no response in time', UPSTREAM_TIMEOUT));
        return;
      case Phase.Streaming:
        if (this.active) {
          this.active = false;
          this.deadline = now + this.owner.streamIdleMs(this.req!);
        } else if (now >= this.deadline) this.fail(upstreamError('stream idle', IDLE_TIMEOUT));
        return;
    }
  }

  private send(req: ProxiedRequest): void {
    this.parser.reset(req.method === 'HEAD');
    this.active = false;
    this.closeAfter = false;
    const socket = this.socket;
    if (this.clientPaused) {
      this.clientPaused = false;
      socket.resume();
    }
    const head = (req.upstreamHead ??= requestHead(
      {
        method: req.method!,
        url: req.url!,
        rawHeaders: req.rawHeaders,
        connection: req.headers.connection,
        contentLength: req.bodyless || req.chunked ? undefined : req.headers['content-length'],
        chunked: req.chunked,
      },
      {
        remoteAddress: req.socket.remoteAddress,
        encrypted: (req.socket as { encrypted?: boolean }).encrypted === true,
        localPort: req.socket.localPort,
        requestId: req.requestId,
      },
    ));
    this.deadline = performance.now() + this.owner.firstByteMs(req);
    if (req.bodyless) {
      this.phase = Phase.Awaiting;
      socket.write(head, 'latin1');
      return;
    }
    this.phase = Phase.Sending;
    socket.write(head, 'latin1');
    if (req.readableEnded) return onRequestEnd.call(req);
    req.on('data', onRequestData);
    req.on('end', onRequestEnd);
    req.resume();
  }

  private readonly onConnect = (): void => {
    this.connected = true;
    const req = this.req;
    if (req === undefined) return;
    req.connected = true;
    req.connectMs = performance.now() - req.attemptAt;
    this.send(req);
  };

  /** Bytes read into READ_BUFFER; returns false to pause reading (the client is full). */
  private onRead(n: number): boolean {
    const req = this.req;
    if (req === undefined) {
      // Bytes nobody asked for (an idle connection): unusable.
      this.destroy();
      return false;
    }
    this.active = true;
    const chunk = READ_BUFFER.subarray(0, n);
    // Everything this read produces for the client (head, body, end) goes out in one write.
    const client = req.res!.socket;
    client?.cork();
    try {
      this.parser.execute(chunk);
    } catch (err) {
      this.fail(err instanceof ResponseError ? upstreamError(err.message, BAD_RESPONSE) : (err as Error));
    } finally {
      client?.uncork();
    }
    return !this.clientPaused;
  }

  // ResponseHandler: called by the parser.

  onHead(head: ResponseHead): void {
    const req = this.req!;
    const res = req.res!;
    this.phase = Phase.Streaming;
    this.closeAfter = head.close;
    if (head.keepAliveMs > 0) this.idleMs = Math.min(this.owner.idleSocketMs, head.keepAliveMs - 1000);
    try {
      res.writeHead(head.status, head.reason, clientResponseHeaders(head, req.requestId));
    } catch (err) {
      // Characters Node refuses in a header: the response cannot be passed on.
      this.fail(upstreamError(`unusable response head: ${(err as Error).message}`, BAD_RESPONSE));
      return;
    }
    req.responded = true;
  }

  onBody(chunk: Buffer): void {
    const req = this.req!;
    const res = req.res!;
    req.bytesOut += chunk.length;
    // A copy: the slice is in the shared read buffer, and a write may be queued.
    if (!res.write(Buffer.from(chunk)) && !this.clientPaused) {
      // Reading stops when onRead returns.
      this.clientPaused = true;
      res.once('drain', this.onClientDrain);
    }
  }

  onEnd(last?: Buffer): void {
    const req = this.req!;
    const res = req.res!;
    this.served++;
    const requestDone = req.bodyless || req.bodySent;
    const reusable = !this.closeAfter && requestDone && this.parser.extraBytes === 0 && !this.bodyPaused;
    this.detach(req);
    if (!requestDone) {
      // The instance answered before the whole body arrived: the rest is read and dropped, so
      // the client connection stays usable.
      req.resume();
    }
    if (this.clientPaused) res.removeListener('drain', this.onClientDrain);
    this.owner.done(req);
    if (last !== undefined) req.bytesOut += last.length;
    if (last === undefined) res.end();
    // A copy (see onBody); small ones as a latin1 string, which Node writes in one piece with
    // the head.
    else if (last.length <= SMALL_BODY) res.end(last.toString('latin1'), 'latin1');
    else res.end(Buffer.from(last));
    if (reusable && this.phase !== Phase.Closed) {
      this.phase = Phase.Idle;
      this.active = false;
      this.deadline = performance.now() + this.idleMs;
      this.owner.reusable(this);
    } else this.destroy();
  }

  private readonly onClientDrain = (): void => {
    this.active = true;
    if (this.clientPaused) {
      this.clientPaused = false;
      if (this.phase !== Phase.Closed) this.socket.resume();
    }
  };

  private readonly onSocketDrain = (): void => {
    if (this.bodyPaused) {
      this.bodyPaused = false;
      this.req?.resume();
    }
  };

  private readonly onSocketEnd = (): void => {
    const req = this.req;
    if (req === undefined) return this.destroy();
    if (!req.responded) return this.fail(upstreamError('connection closed before a response', 'ECONNRESET'));
    try {
      this.parser.finish();
    } catch (err) {
      this.fail(upstreamError((err as Error).message, 'ECONNRESET'));
    }
  };

  private readonly onSocketError = (err: Error): void => {
    if (this.req === undefined) this.destroy();
    else this.fail(err);
  };

  private readonly onSocketClose = (): void => {
    if (this.phase === Phase.Closed) return;
    if (this.req === undefined) this.destroy();
    else this.fail(upstreamError('connection closed', 'ECONNRESET'));
  };

  /** The exchange failed: close, then report (the proxy answers, retries or cuts the client). */
  fail(err: Error): void {
    if (this.phase === Phase.Closed) return;
    const req = this.req;
    if (req !== undefined) this.detach(req);
    if (this.clientPaused && req !== undefined) req.res!.removeListener('drain', this.onClientDrain);
    this.destroy();
    if (req !== undefined) this.owner.failed(req, err);
  }

  private detach(req: ProxiedRequest): void {
    this.req = undefined;
    req.conn = undefined;
    if (!req.bodyless && !req.bodySent) {
      req.removeListener('data', onRequestData);
      req.removeListener('end', onRequestEnd);
    }
    // A body paused for this socket stays paused: the proxy's answer resumes or drops it.
    this.bodyPaused = false;
  }

  /** Request body chunk (listener on the request; `this` is the request). */
  forwardBody(req: ProxiedRequest, chunk: Buffer): void {
    this.active = true;
    req.bodyBytes += chunk.length;
    if (req.bodyBytes > this.owner.maxBodyBytes) {
      this.fail(upstreamError('request body too large', BODY_TOO_LARGE));
      return;
    }
    const socket = this.socket;
    if (req.chunked) {
      socket.cork();
      socket.write(`${chunk.length.toString(16)}\r\n`, 'latin1');
      socket.write(chunk);
      socket.write('\r\n', 'latin1');
      socket.uncork();
    } else socket.write(chunk);
    if (socket.writableNeedDrain && !this.bodyPaused) {
      this.bodyPaused = true;
      req.pause();
    }
  }

  /** End of the request body. */
  endBody(req: ProxiedRequest): void {
    req.bodySent = true;
    req.removeListener('data', onRequestData);
    req.removeListener('end', onRequestEnd);
    if (req.chunked) this.socket.write('0\r\n\r\n', 'latin1');
    if (this.phase === Phase.Sending) {
      this.phase = Phase.Awaiting;
      this.deadline = performance.now() + this.owner.firstByteMs(req);
    }
  }
}

function onRequestData(this: ProxiedRequest, chunk: Buffer): void {
  this.conn?.forwardBody(this, chunk);
}

function onRequestEnd(this: ProxiedRequest): void {
  this.conn?.endBody(this);
}
