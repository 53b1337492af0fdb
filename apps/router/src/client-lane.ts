/**
 * The client lane: client connections (plain, or TLS after the handshake) read and answered by
 * the router itself, for the requests that are most of the traffic (HTTP/1.1 to an app, without
 * a body or with a Content-Length one). Node's HTTP server costs about 10 µs of CPU per request
 * on its own (IncomingMessage and ServerResponse streams, header objects and checks, events and
 * timers per request), which was most of the gap to nginx; the lane does the same job with one
 * parse and one write.
 *
 *   socket ──data──▶ head? (lane-head.ts) ──yes──▶ dispatch ──▶ proxy ──▶ LaneResponse ──▶ socket
 *                         │           body bytes ──▶ LaneRequest ──▶ proxy (when it resumes)
 *                         │ no (chunked, an upgrade, Expect, anything unusual, an unknown host)
 *                         ▼
 *                    hand-off: the unread bytes are put back and Node's HTTP server takes
 *                    the connection over from there (the router's other path, server.ts)
 *
 * One request at a time per connection (pipelined requests wait in `pending`). Time limits are
 * deadlines checked by one sweeper: a head must arrive within `headersTimeoutMs` (408), a body
 * within `requestTimeoutMs` (408 when nothing was answered yet, as Node's requestTimeout), an
 * idle keep-alive connection is closed after `keepAliveMs`.
 */
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { hasStrayLineEnd, isFieldValue, isToken } from './http-chars';
import { parseLaneHead, type LaneHead } from './lane-head';
import { answerAndClose } from './client-errors';
import { requestTimeoutPage, sendPage } from './pages';
import { RouteState, type ClientResponse, type ProxiedRequest } from './request';

export interface ClientLaneOptions {
  /** Heads larger than this are left to Node (which answers 431). */
  maxHeaderBytes: number;
  /** Idle client connections are closed after this. */
  keepAliveMs: number;
  /** A request head must arrive within this (then 408). */
  headersTimeoutMs: number;
  /** A request's body must have arrived this long after its head (then 408, or a cut). */
  requestTimeoutMs: number;
  /** Serves a request, or returns false to leave it (and the connection) to Node's server. */
  dispatch(req: LaneRequest, res: LaneResponse): boolean;
  /** Takes over a connection whose unread bytes were put back (Node's HTTP server). */
  handOff(socket: Socket): void;
  /** The response ended or the client went away (as ServerResponse's 'close'). */
  closed(res: LaneResponse): void;
}

const HEAD_END = Buffer.from('\r\n\r\n', 'latin1');
/** Reading pauses while this much of pipelined requests waits. */
const MAX_PENDING = 64 * 1024;
const SWEEP_MS = 1000;

export class ClientLane {
  private readonly connections = new Set<LaneConnection>();
  private readonly sweeper: NodeJS.Timeout;
  /** The connection fields of a kept-alive response (as Node writes them). */
  readonly keepAliveFields: string;

  constructor(readonly o: ClientLaneOptions) {
    this.keepAliveFields = keepAliveFields(o.keepAliveMs);
    this.sweeper = setInterval(() => this.sweep(performance.now()), SWEEP_MS);
    this.sweeper.unref();
  }

  /** A new client connection (the listener's 'connection' event). */
  readonly accept = (socket: Socket): void => {
    this.connections.add(new LaneConnection(this, socket));
  };

  forget(conn: LaneConnection): void {
    this.connections.delete(conn);
  }

  /** Closes connections that are not serving a request. */
  closeIdle(): void {
    for (const conn of this.connections) if (conn.idle) conn.socket.destroy();
  }

  closeAll(): void {
    for (const conn of this.connections) conn.socket.destroy();
    clearInterval(this.sweeper);
  }

  private sweep(now: number): void {
    for (const conn of this.connections) if (now >= conn.deadline) conn.expire();
  }
}

/** What a lane request needs from its connection. */
interface BodySource {
  /** The request's body flow changed: reading from the socket may pause or go on. */
  reading(): void;
}

/**
 * A request read by the lane. Its body (Content-Length bytes) is fed in by the connection and
 * handed on as Node's IncomingMessage would: held until the proxy resumes the request (once an
 * instance is connected, so nothing is lost when another one is tried), then passed to the
 * 'data' listener; 'end' once all of it was passed on. Resumed without a listener, it drops the
 * bytes (what Node's server does with a body nobody reads).
 */
export class LaneRequest extends RouteState implements ProxiedRequest {
  readonly method: string;
  url: string;
  readonly rawHeaders: string[];
  readonly headers: {
    host: string;
    connection: string | undefined;
    'x-request-id': string | undefined;
    'content-length': string | undefined;
    'transfer-encoding': undefined;
  };
  /** Body bytes still to come from the client. */
  bodyLeft: number;
  /** 'end' was passed on. */
  readableEnded = false;
  /** Body bytes received while not flowing. */
  private held: Buffer[] | undefined = undefined;
  heldBytes = 0;
  private flowing = false;
  private onDataListener: ((chunk: Buffer) => void) | undefined = undefined;
  private onEndListener: (() => void) | undefined = undefined;

  constructor(
    readonly socket: Socket,
    head: LaneHead,
    private readonly source: BodySource,
  ) {
    super();
    this.method = head.method;
    this.url = head.url;
    this.rawHeaders = head.rawHeaders;
    this.headers = { host: head.host, connection: head.connection, 'x-request-id': head.requestId, 'content-length': head.contentLength, 'transfer-encoding': undefined };
    this.bodyLeft = head.bodyBytes;
  }

  /** The whole body arrived. */
  get complete(): boolean {
    return this.bodyLeft === 0;
  }

  /** Takes the body's share of `data`; returns what follows the body (the next request), if any. */
  feed(data: Buffer): Buffer | undefined {
    const take = Math.min(data.length, this.bodyLeft);
    const chunk = take === data.length ? data : data.subarray(0, take);
    this.bodyLeft -= take;
    if (this.flowing && this.held === undefined) {
      if (take > 0) this.onDataListener?.call(this, chunk);
      if (this.bodyLeft === 0 && this.flowing) this.end();
    } else if (take > 0) {
      (this.held ??= []).push(chunk);
      this.heldBytes += take;
    }
    return take === data.length ? undefined : data.subarray(take);
  }

  on(event: 'data' | 'end', listener: (...args: any[]) => void): this {
    if (event === 'data') this.onDataListener = listener;
    else this.onEndListener = listener;
    return this;
  }

  removeListener(event: 'data' | 'end', listener: (...args: any[]) => void): this {
    if (event === 'data' && this.onDataListener === listener) this.onDataListener = undefined;
    else if (event === 'end' && this.onEndListener === listener) this.onEndListener = undefined;
    return this;
  }

  pause(): this {
    this.flowing = false;
    this.source.reading();
    return this;
  }

  /** Passes on what was held (on the next tick, as a stream does), then whatever arrives. */
  resume(): this {
    if (this.flowing) return this;
    this.flowing = true;
    if (this.held !== undefined || this.bodyLeft === 0) process.nextTick(() => this.flush());
    this.source.reading();
    return this;
  }

  /** The exchange is over: the rest of the body is read and dropped. */
  discard(): void {
    this.onDataListener = undefined;
    this.onEndListener = undefined;
    this.held = undefined;
    this.heldBytes = 0;
    this.flowing = true;
    this.readableEnded = true;
  }

  private flush(): void {
    const held = this.held;
    while (this.flowing && held !== undefined && held.length > 0) {
      const chunk = held.shift()!;
      this.heldBytes -= chunk.length;
      this.onDataListener?.call(this, chunk);
    }
    if (held !== undefined && held.length === 0 && this.held === held) this.held = undefined;
    if (this.flowing && this.held === undefined && this.bodyLeft === 0) this.end();
    this.source.reading();
  }

  private end(): void {
    if (this.readableEnded) return;
    this.readableEnded = true;
    this.onEndListener?.call(this);
  }
}

let dateSecond = -1;
let dateText = '';

/** The Date field's value, computed once a second (as Node does). */
function httpDate(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(now).toUTCString();
  }
  return dateText;
}

function invalid(message: string, code: string): Error {
  return Object.assign(new TypeError(message), { code });
}

/**
 * The response to a lane request: Node's ServerResponse framing and connection headers
 * (Date, Connection/Keep-Alive, chunked when there is no Content-Length), written with as few
 * socket writes as the proxy's calls allow: the head waits for the first body bytes.
 */
export class LaneResponse implements ClientResponse {
  statusCode = 200;
  shouldKeepAlive: boolean;
  headersSent = false;
  destroyed = false;
  /** end() was called, or the client went away. */
  finished = false;
  /** The connection closes after this response (decided with the head). */
  last = false;
  /** Head text not yet written. */
  private head = '';
  private chunked = false;
  private noBody = false;
  /** Fields set with setHeader, for the router's own answers: [lowercase name, value...]. */
  private fields: string[] | undefined;

  constructor(
    private readonly conn: LaneConnection,
    readonly req: LaneRequest,
    keepAlive: boolean,
  ) {
    this.shouldKeepAlive = keepAlive;
  }

  get socket(): Socket | null {
    return this.finished ? null : this.conn.socket;
  }

  setHeader(name: string, value: string | number): this {
    const lower = name.toLowerCase();
    const fields = (this.fields ??= []);
    const v = String(value);
    for (let i = 0; i < fields.length; i += 2) {
      if (fields[i] === lower) {
        fields[i + 1] = v;
        return this;
      }
    }
    fields.push(lower, v);
    return this;
  }

  getHeader(name: string): string | undefined {
    const fields = this.fields;
    if (fields === undefined) return undefined;
    const lower = name.toLowerCase();
    for (let i = 0; i < fields.length; i += 2) if (fields[i] === lower) return fields[i + 1];
    return undefined;
  }

  writeHead(status: number, reason: string, headers: string[]): this {
    if (this.headersSent) throw invalid('headers already sent', 'ERR_HTTP_HEADERS_SENT');
    if (!isFieldValue(reason)) throw invalid('Invalid character in statusMessage', 'ERR_INVALID_CHAR');
    let head = `HTTP/1.1 ${status} ${reason}\r\n`;
    let hasLength = false;
    let hasDate = false;
    for (let i = 0; i < headers.length; i += 2) {
      const name = headers[i]!;
      const value = headers[i + 1]!;
      if (!isToken(name)) throw invalid(`Header name must be a valid HTTP token ["${name}"]`, 'ERR_INVALID_HTTP_TOKEN');
      if (!isFieldValue(value)) throw invalid(`Invalid character in header content ["${name}"]`, 'ERR_INVALID_CHAR');
      if (name.length === 4) {
        if (name.toLowerCase() === 'date') hasDate = true;
      } else if (name.length === 14 && name.toLowerCase() === 'content-length') hasLength = true;
      head += `${name}: ${value}\r\n`;
    }
    this.statusCode = status;
    this.noBody = this.req.method === 'HEAD' || status < 200 || status === 204 || status === 304;
    if (!hasDate) head += `Date: ${httpDate()}\r\n`;
    this.last = !this.shouldKeepAlive;
    head += this.last ? 'Connection: close\r\n' : this.conn.lane.keepAliveFields;
    if (!this.noBody && !hasLength) {
      this.chunked = true;
      head += 'Transfer-Encoding: chunked\r\n';
    }
    this.head = `${head}\r\n`;
    this.headersSent = true;
    return this;
  }

  write(chunk: Buffer): boolean {
    if (this.finished || this.destroyed) return false;
    const socket = this.conn.socket;
    const head = this.head;
    this.head = '';
    if (this.noBody || chunk.length === 0) return head === '' ? true : socket.write(head, 'latin1');
    if (this.chunked) {
      socket.cork();
      socket.write(`${head}${chunk.length.toString(16)}\r\n`, 'latin1');
      socket.write(chunk);
      const more = socket.write('\r\n', 'latin1');
      socket.uncork();
      return more;
    }
    if (head === '') return socket.write(chunk);
    socket.cork();
    socket.write(head, 'latin1');
    const more = socket.write(chunk);
    socket.uncork();
    return more;
  }

  end(chunk?: string | Buffer, encoding: BufferEncoding = 'utf8'): this {
    if (this.finished) return this;
    if (this.destroyed) {
      this.finished = true;
      return this;
    }
    if (!this.headersSent) this.writeOwnHead(chunk, encoding);
    const socket = this.conn.socket;
    const head = this.head;
    this.head = '';
    const size = chunk === undefined || this.noBody ? 0 : typeof chunk === 'string' ? Buffer.byteLength(chunk, encoding) : chunk.length;
    this.finished = true;
    if (size === 0) {
      const tail = this.chunked ? '0\r\n\r\n' : '';
      if (head !== '' || tail !== '') socket.write(`${head}${tail}`, 'latin1');
    } else if (typeof chunk === 'string' && encoding === 'latin1') {
      socket.write(this.chunked ? `${head}${size.toString(16)}\r\n${chunk}\r\n0\r\n\r\n` : `${head}${chunk}`, 'latin1');
    } else {
      socket.cork();
      socket.write(this.chunked ? `${head}${size.toString(16)}\r\n` : head, 'latin1');
      socket.write(chunk!, encoding);
      if (this.chunked) socket.write('\r\n0\r\n\r\n', 'latin1');
      socket.uncork();
    }
    this.conn.ended(this);
    return this;
  }

  once(event: 'drain', listener: () => void): this {
    this.conn.socket.once(event, listener);
    return this;
  }

  removeListener(event: 'drain', listener: () => void): this {
    this.conn.socket.removeListener(event, listener);
    return this;
  }

  destroy(): this {
    if (!this.destroyed) {
      this.destroyed = true;
      this.conn.socket.destroy();
    }
    return this;
  }

  /** The head of the router's own answers (pages): from statusCode and setHeader's fields. */
  private writeOwnHead(chunk: string | Buffer | undefined, encoding: BufferEncoding): void {
    if (chunk !== undefined && this.getHeader('content-length') === undefined) {
      this.setHeader('content-length', typeof chunk === 'string' ? Buffer.byteLength(chunk, encoding) : chunk.length);
    }
    this.writeHead(this.statusCode, STATUS_CODES[this.statusCode] ?? 'unknown', this.fields ?? []);
  }
}

/** One client connection while the lane serves it. */
class LaneConnection implements BodySource {
  /** Bytes read and not yet served (a partial head, or pipelined requests). */
  private pending: Buffer | undefined = undefined;
  /** Bytes of an incomplete head in `pending` already looked at for stray line ends. */
  private scanned = 0;
  /** The response in progress. */
  private current: LaneResponse | undefined = undefined;
  /** The request whose body is still arriving (it may outlive its response). */
  private body: LaneRequest | undefined = undefined;
  /** Serving pending requests right now (responses that end meanwhile do not recurse). */
  private serving = false;
  /** The lane no longer serves this connection (handed off, closing or closed). */
  private done = false;
  private paused = false;
  /** performance.now() when the sweeper acts (Infinity while a response is in progress). */
  deadline: number;
  /** The deadline is the head's (408), not the idle one. */
  private awaitingHead = false;

  constructor(
    readonly lane: ClientLane,
    readonly socket: Socket,
  ) {
    this.deadline = performance.now() + lane.o.keepAliveMs;
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('error', onSocketError);
    socket.on('close', this.onClose);
  }

  get idle(): boolean {
    return this.current === undefined && this.body === undefined;
  }

  private readonly onData = (data: Buffer): void => {
    const body = this.body;
    let rest: Buffer | undefined = data;
    if (body !== undefined) {
      rest = body.feed(data);
      if (body.bodyLeft === 0) {
        this.body = undefined;
        // While the answer is on its way, only the exchange's own timeouts apply.
        if (this.current !== undefined) this.deadline = Infinity;
      }
      if (rest === undefined) {
        if (this.body === undefined && this.current === undefined && this.pending !== undefined) this.serve();
        else this.reading();
        return;
      }
    }
    this.pending = this.pending === undefined ? rest : Buffer.concat([this.pending, rest]);
    if (this.current !== undefined || this.body !== undefined) return this.reading();
    this.serve();
  };

  /** Pauses reading while too much waits (pipelined requests, or a body not passed on yet). */
  reading(): void {
    if (this.done) return;
    const full = (this.pending !== undefined && this.pending.length > MAX_PENDING) || (this.body !== undefined && this.body.heldBytes > MAX_PENDING);
    if (full === this.paused) return;
    this.paused = full;
    if (full) this.socket.pause();
    else this.socket.resume();
  }

  /** Serves pending requests until one is in progress, a head is incomplete or Node takes over. */
  private serve(): void {
    const o = this.lane.o;
    this.serving = true;
    while (this.current === undefined && this.body === undefined && this.pending !== undefined && !this.done) {
      const buf = this.pending;
      const end = buf.indexOf(HEAD_END);
      if (end === -1) {
        if (buf.length > o.maxHeaderBytes) return this.handOff();
        // LF or CR line endings: the head would never end as the lane looks for it (the client
        // waited 60 s for a 408); Node's parser refuses it at once (400).
        if (hasStrayLineEnd(buf, this.scanned)) return this.handOff();
        this.scanned = buf.length;
        if (!this.awaitingHead) {
          this.awaitingHead = true;
          this.deadline = performance.now() + o.headersTimeoutMs;
        }
        break;
      }
      if (end + 4 > o.maxHeaderBytes) return this.handOff();
      const head = parseLaneHead(buf.toString('latin1', 0, end));
      if (head === undefined) return this.handOff();
      const req = new LaneRequest(this.socket, head, this);
      const res = new LaneResponse(this, req, !head.close);
      this.current = res;
      this.deadline = Infinity;
      this.awaitingHead = false;
      if (!o.dispatch(req, res)) {
        this.current = undefined;
        return this.handOff();
      }
      let rest = end + 4 === buf.length ? undefined : buf.subarray(end + 4);
      if (req.bodyLeft > 0 && !this.done) {
        this.body = req;
        // Answered already (a 503 before anything was sent): the body is read and dropped.
        if (this.current !== res) req.discard();
        if (rest !== undefined) rest = req.feed(rest);
        if (req.bodyLeft === 0) this.body = undefined;
        else this.deadline = Math.min(this.deadline, performance.now() + o.requestTimeoutMs);
      }
      this.pending = rest;
      this.scanned = 0;
    }
    this.serving = false;
    this.reading();
  }

  /** The response was ended (LaneResponse.end). */
  ended(res: LaneResponse): void {
    if (this.current !== res) return;
    this.current = undefined;
    // Answered before the whole body came: the rest is read and dropped, then the next request.
    if (this.body === res.req) res.req.discard();
    this.lane.o.closed(res);
    if (res.last) {
      // As Node's destroySoon: the answer goes out, then the connection closes.
      this.forget();
      this.pending = undefined;
      const socket = this.socket;
      socket.end();
      if (socket.writableFinished) socket.destroy();
      else socket.once('finish', () => socket.destroy());
      return;
    }
    this.deadline = performance.now() + this.lane.o.keepAliveMs;
    if (this.pending !== undefined && !this.serving) process.nextTick(() => this.current === undefined && !this.done && this.serve());
  }

  /** Called by the sweeper once the deadline passed. */
  expire(): void {
    const res = this.current;
    if (res !== undefined) {
      if (this.body === undefined) return;
      // The body did not arrive in time: 408 while nothing was answered (the exchange with the
      // instance is abandoned with the response), else the connection is cut.
      if (res.headersSent) {
        this.socket.destroy();
        return;
      }
      res.shouldKeepAlive = false;
      res.setHeader('x-request-id', res.req.requestId);
      sendPage(res, requestTimeoutPage(res.req.requestId));
      return;
    }
    if (!this.awaitingHead || this.body !== undefined) {
      this.socket.destroy();
      return;
    }
    // The head did not arrive in time: 408, as Node's server answers.
    this.forget();
    this.socket.removeListener('data', this.onData);
    const requestId = randomUUID();
    answerAndClose(this.socket, requestTimeoutPage(requestId), requestId);
  }

  /**
   * The client closed its side (the server's sockets are half-open capable). As Node's server
   * does: an idle connection is closed; a request in progress is abandoned, so its exchange
   * with the instance stops at once.
   */
  private readonly onEnd = (): void => {
    if (this.idle) this.socket.end();
    else this.socket.destroy();
  };

  private readonly onClose = (): void => {
    this.forget();
    const res = this.current;
    if (res === undefined) return;
    this.current = undefined;
    res.destroyed = true;
    res.finished = true;
    this.lane.o.closed(res);
  };

  private forget(): void {
    this.done = true;
    this.lane.forget(this);
  }

  /** Node's HTTP server takes the connection over, starting with the unread bytes. */
  private handOff(): void {
    this.serving = false;
    this.forget();
    const socket = this.socket;
    socket.removeListener('data', this.onData);
    socket.removeListener('end', this.onEnd);
    socket.removeListener('error', onSocketError);
    socket.removeListener('close', this.onClose);
    if (this.pending !== undefined) socket.unshift(this.pending);
    this.pending = undefined;
    this.lane.o.handOff(socket);
    // The server listens for 'data' now; a socket paused for pipelining flows again.
    socket.resume();
  }
}

function onSocketError(this: Socket): void {
  this.destroy();
}

function keepAliveFields(keepAliveMs: number): string {
  const seconds = Math.floor(keepAliveMs / 1000);
  return seconds > 0 ? `Connection: keep-alive\r\nKeep-Alive: timeout=${seconds}\r\n` : 'Connection: keep-alive\r\n';
}
