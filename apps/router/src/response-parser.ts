/**
 * Incremental parser of HTTP/1.1 responses read from an instance: the head (status line and
 * header fields, possibly split across reads), then the body by its framing:
 *
 *   no body           response to HEAD, 1xx, 204, 304
 *   Content-Length    exactly that many bytes
 *   chunked           chunk-size lines, data, CRLF ... 0 CRLF, trailer fields (dropped), CRLF
 *   until close       neither (the connection cannot be reused)
 *
 * Lines end with CRLF only (RFC 9112 2.2): a head with LF or CR line endings is refused as soon
 * as one is seen (complete heads: the status line or a field then holds a CR or LF, which the
 * client response refuses to send, so it is a 502 as well). Interim responses (100, 102, 103)
 * are skipped. Body bytes are handed on as slices of the
 * buffers read (no copies), chunked framing removed. One parser per upstream connection,
 * reset for every request.
 */
import { hasStrayLineEnd } from './http-chars';

export interface ResponseHead {
  status: number;
  reason: string;
  /** Header fields as read, flat: [name, value, name, value...] (names as sent, values trimmed). */
  headers: string[];
  /** 1 for HTTP/1.1, 0 for HTTP/1.0. */
  minor: number;
  /** Content-Length, or -1 when absent (or when chunked, which wins). */
  contentLength: number;
  chunked: boolean;
  /** The response has no body at all (HEAD, 1xx, 204, 304). */
  noBody: boolean;
  /** The body runs until the instance closes the connection. */
  untilClose: boolean;
  /** The instance asks for the connection to be closed after this response (or is HTTP/1.0). */
  close: boolean;
  /** The Keep-Alive "timeout" hint in ms, or -1. */
  keepAliveMs: number;
  /** Lowercase header names the Connection field lists (other than close/keep-alive), or null. */
  connectionTokens: string[] | null;
}

export interface ResponseHandler {
  onHead(head: ResponseHead): void;
  /** A slice of the body (framing removed). */
  onBody(chunk: Buffer): void;
  /** The response is complete; `last` is its last body slice when it came with the end. */
  onEnd(last?: Buffer): void;
}

export class ResponseError extends Error {
  readonly code = 'BAD_RESPONSE';
}

/** Largest response head accepted (status line + fields). */
export const MAX_HEAD_BYTES = 64 * 1024;
const MAX_CHUNK_LINE = 4096;

const enum State {
  Head,
  Length,
  ChunkSize,
  ChunkData,
  ChunkDataEnd,
  Trailers,
  UntilClose,
  Done,
  Stopped,
}

const CR = 0x0d;
const LF = 0x0a;

export class ResponseParser {
  private state = State.Done;
  /** Bytes of an incomplete head or chunk-size line / trailer section. */
  private pending: Buffer | null = null;
  private remaining = 0;
  private headRequest = false;
  /** Bytes that followed a complete response in the same read (the connection is unusable). */
  extraBytes = 0;

  constructor(private readonly handler: ResponseHandler) {}

  /** Prepares for the response to the next request. */
  reset(headRequest: boolean): void {
    this.state = State.Head;
    this.pending = null;
    this.remaining = 0;
    this.headRequest = headRequest;
    this.extraBytes = 0;
  }

  /** The handler stopped caring (the exchange was aborted): further input is ignored. */
  stop(): void {
    this.state = State.Stopped;
    this.pending = null;
  }

  /** True between the start of a response and its end. */
  get inMessage(): boolean {
    return this.state !== State.Done && this.state !== State.Stopped;
  }

  /** Nothing of the response has been read yet. */
  get atStart(): boolean {
    return this.state === State.Head && this.pending === null;
  }

  /**
   * Feeds bytes read from the connection. Throws ResponseError on a malformed response. Returns
   * after the end of the response (onEnd) even when bytes follow it: those are counted in
   * `extraBytes` (an instance must not send anything before the next request, so the
   * connection is not reused).
   */
  execute(data: Buffer): void {
    let pos = 0;
    const len = data.length;
    if (this.state === State.Done) {
      this.extraBytes += len;
      return;
    }
    while (pos < len) {
      switch (this.state) {
        case State.Head:
          pos = this.readHead(data, pos);
          break;
        case State.Length: {
          const n = Math.min(this.remaining, len - pos);
          const chunk = pos === 0 && n === len ? data : data.subarray(pos, pos + n);
          pos += n;
          this.remaining -= n;
          if (this.remaining > 0) {
            this.handler.onBody(chunk);
            break;
          }
          // The last bytes: handed on with the end (one res.end(chunk) instead of write + end).
          this.state = State.Done;
          this.extraBytes = len - pos;
          this.handler.onEnd(chunk);
          return;
        }
        case State.ChunkSize:
          pos = this.readChunkSize(data, pos);
          break;
        case State.ChunkData: {
          const n = Math.min(this.remaining, len - pos);
          const chunk = data.subarray(pos, pos + n);
          pos += n;
          this.remaining -= n;
          if (this.remaining === 0) {
            this.state = State.ChunkDataEnd;
            this.remaining = 2;
          }
          this.handler.onBody(chunk);
          break;
        }
        case State.ChunkDataEnd:
          // The CRLF after the chunk data (may arrive split).
          while (this.remaining > 0 && pos < len) {
            const expected = this.remaining === 2 ? CR : LF;
            if (data[pos] !== expected) throw new ResponseError('missing CRLF after chunk data');
            pos++;
            this.remaining--;
          }
          if (this.remaining === 0) this.state = State.ChunkSize;
          break;
        case State.Trailers:
          pos = this.readTrailers(data, pos);
          break;
        case State.UntilClose:
          this.handler.onBody(pos === 0 ? data : data.subarray(pos));
          pos = len;
          break;
        default:
          // Stopped by the handler (or Done, handled below).
          return;
      }
      if ((this.state as State) === State.Done) {
        this.extraBytes = len - pos;
        this.handler.onEnd();
        return;
      }
    }
  }

  /** The instance closed the connection. Ends a body that runs until close; otherwise an error. */
  finish(): void {
    if (this.state === State.UntilClose) {
      this.state = State.Done;
      this.handler.onEnd();
      return;
    }
    if (this.state === State.Done || this.state === State.Stopped) return;
    throw new ResponseError(this.atStart ? 'connection closed before a response' : 'connection closed mid-response');
  }

  private readHead(data: Buffer, pos: number): number {
    let buf = data;
    let start = pos;
    let searchFrom = pos;
    let before = 0;
    if (this.pending !== null) {
      before = this.pending.length;
      buf = Buffer.concat([this.pending, pos === 0 ? data : data.subarray(pos)]);
      start = 0;
      searchFrom = Math.max(0, before - 3);
      this.pending = null;
    }
    const end = buf.indexOf('\r\n\r\n', searchFrom, 'latin1');
    if (end === -1) {
      if (buf.length - start > MAX_HEAD_BYTES) throw new ResponseError('response head too large');
      // LF (or CR) line endings: the head would never end, and the client would wait for the
      // first-byte timeout (504) instead of a 502 now. Bytes looked at before are not again.
      if (hasStrayLineEnd(start === 0 ? buf : buf.subarray(start), before)) throw new ResponseError('response head with a line ending other than CRLF');
      this.pending = buf === data ? Buffer.from(data.subarray(start)) : buf;
      return data.length;
    }
    if (end - start > MAX_HEAD_BYTES) throw new ResponseError('response head too large');
    const head = parseHead(buf.toString('latin1', start, end), this.headRequest);
    // Position in `data` right after the head.
    const next = buf === data ? end + 4 : pos + end + 4 - before;
    if (head.status < 200) {
      if (head.status === 101) throw new ResponseError('101 Switching Protocols to a request without Upgrade');
      // Interim response (100 Continue, 102, 103 Early Hints): skipped; the final one follows.
      return next;
    }
    if (head.noBody) this.state = State.Done;
    else if (head.chunked) this.state = State.ChunkSize;
    else if (head.contentLength >= 0) {
      this.remaining = head.contentLength;
      this.state = head.contentLength === 0 ? State.Done : State.Length;
    } else this.state = State.UntilClose;
    this.handler.onHead(head);
    return next;
  }

  /** A line "<hex size>[;extensions]\r\n" (or, after the last chunk, the trailer section). */
  private readChunkSize(data: Buffer, pos: number): number {
    const lf = data.indexOf(LF, pos);
    if (lf === -1) {
      this.pending = this.pending === null ? Buffer.from(data.subarray(pos)) : Buffer.concat([this.pending, data.subarray(pos)]);
      if (this.pending.length > MAX_CHUNK_LINE) throw new ResponseError('chunk-size line too long');
      return data.length;
    }
    let line: string;
    if (this.pending === null) line = data.toString('latin1', pos, lf);
    else {
      line = Buffer.concat([this.pending, data.subarray(pos, lf)]).toString('latin1');
      this.pending = null;
    }
    if (line.length > MAX_CHUNK_LINE) throw new ResponseError('chunk-size line too long');
    if (line.charCodeAt(line.length - 1) !== CR) throw new ResponseError('chunk-size line without CRLF');
    const size = parseChunkSize(line);
    if (size === 0) {
      // The trailer section follows: CRLF right away, or fields then CRLF.
      this.state = State.Trailers;
    } else {
      this.remaining = size;
      this.state = State.ChunkData;
    }
    return lf + 1;
  }

  /** Trailer fields after the last chunk, up to the empty line. Dropped. */
  private readTrailers(data: Buffer, pos: number): number {
    for (;;) {
      const lf = data.indexOf(LF, pos);
      if (lf === -1) {
        this.pending = this.pending === null ? Buffer.from(data.subarray(pos)) : Buffer.concat([this.pending, data.subarray(pos)]);
        if (this.pending.length > MAX_HEAD_BYTES) throw new ResponseError('trailer section too large');
        return data.length;
      }
      const lineLength = (this.pending?.length ?? 0) + (lf - pos);
      const first = this.pending !== null && this.pending.length > 0 ? this.pending[0] : data[pos];
      this.pending = null;
      pos = lf + 1;
      // An empty line (just CR before the LF) ends the message.
      if (lineLength === 1 && first === CR) {
        this.state = State.Done;
        return pos;
      }
      if (lineLength === 0) throw new ResponseError('bare LF in trailer section');
    }
  }
}

function parseChunkSize(line: string): number {
  let size = 0;
  let digits = 0;
  let i = 0;
  const end = line.length - 1; // before CR
  for (; i < end; i++) {
    const c = line.charCodeAt(i);
    let v: number;
    if (c >= 0x30 && c <= 0x39) v = c - 0x30;
    else if (c >= 0x61 && c <= 0x66) v = c - 0x57;
    else if (c >= 0x41 && c <= 0x46) v = c - 0x37;
    else break;
    if (++digits > 12) throw new ResponseError('chunk size too large');
    size = size * 16 + v;
  }
  if (digits === 0) throw new ResponseError('invalid chunk size');
  // Optional whitespace, then extensions (";name=value"), ignored.
  for (; i < end; i++) {
    const c = line.charCodeAt(i);
    if (c === 0x3b /* ; */) break;
    if (c !== 0x20 && c !== 0x09) throw new ResponseError('invalid chunk size');
  }
  return size;
}

/** Parses the head (without the final CRLF CRLF). */
export function parseHead(text: string, headRequest: boolean): ResponseHead {
  let lineEnd = text.indexOf('\r\n');
  if (lineEnd === -1) lineEnd = text.length;
  // "HTTP/1.1 200 OK"
  if (lineEnd < 12 || !text.startsWith('HTTP/1.') || text.charCodeAt(8) !== 0x20) throw new ResponseError('invalid status line');
  const minorCode = text.charCodeAt(7);
  if (minorCode !== 0x30 && minorCode !== 0x31) throw new ResponseError('unsupported HTTP version');
  const minor = minorCode - 0x30;
  const d0 = text.charCodeAt(9) - 0x30;
  const d1 = text.charCodeAt(10) - 0x30;
  const d2 = text.charCodeAt(11) - 0x30;
  if (d0 < 1 || d0 > 9 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9) throw new ResponseError('invalid status code');
  const status = d0 * 100 + d1 * 10 + d2;
  let reason = '';
  if (lineEnd > 12) {
    if (text.charCodeAt(12) !== 0x20) throw new ResponseError('invalid status line');
    reason = text.slice(13, lineEnd);
  }

  const headers: string[] = [];
  let contentLength = -1;
  let transferEncoding: string | undefined;
  let connection: string | undefined;
  let keepAlive: string | undefined;
  let pos = lineEnd + 2;
  const n = text.length;
  while (pos < n) {
    let eol = text.indexOf('\r\n', pos);
    if (eol === -1) eol = n;
    const first = text.charCodeAt(pos);
    if (first === 0x20 || first === 0x09) {
      // obs-fold: continues the previous field's value (RFC 9112 5.2: replace with SP).
      if (headers.length === 0) throw new ResponseError('folded line without a field');
      headers[headers.length - 1] = `${headers[headers.length - 1]} ${text.slice(pos, eol).trim()}`;
      pos = eol + 2;
      continue;
    }
    const colon = text.indexOf(':', pos);
    if (colon === -1 || colon > eol || colon === pos) throw new ResponseError('invalid header line');
    // Whitespace before the colon is refused here (RFC 9112 5.1); the rest of the name is
    // checked by Node when the head is passed on (res.writeHead: a token, else a 502).
    const last = text.charCodeAt(colon - 1);
    if (last === 0x20 || last === 0x09) throw new ResponseError('whitespace before a colon');
    const name = text.slice(pos, colon);
    let vs = colon + 1;
    let ve = eol;
    while (vs < ve && (text.charCodeAt(vs) === 0x20 || text.charCodeAt(vs) === 0x09)) vs++;
    while (ve > vs && (text.charCodeAt(ve - 1) === 0x20 || text.charCodeAt(ve - 1) === 0x09)) ve--;
    const value = text.slice(vs, ve);
    pos = eol + 2;
    // Fields that decide framing and connection reuse (compared by length first: cheap).
    switch (name.length) {
      case 10: {
        const lower = name.toLowerCase();
        if (lower === 'connection') connection = connection === undefined ? value : `${connection}, ${value}`;
        else if (lower === 'keep-alive') keepAlive = value;
        break;
      }
      case 14:
        if (name.toLowerCase() === 'content-length') {
          const length = parseContentLength(value);
          if (contentLength !== -1 && contentLength !== length) throw new ResponseError('conflicting Content-Length');
          contentLength = length;
        }
        break;
      case 17:
        if (name.toLowerCase() === 'transfer-encoding') transferEncoding = transferEncoding === undefined ? value : `${transferEncoding}, ${value}`;
        break;
    }
    headers.push(name, value);
  }

  let chunked = false;
  if (transferEncoding !== undefined) {
    // Only "chunked" is supported (as nginx); anything else (gzip, chunked...) is refused.
    if (transferEncoding.toLowerCase() !== 'chunked') throw new ResponseError(`unsupported Transfer-Encoding: ${transferEncoding}`);
    chunked = true;
    contentLength = -1;
  }
  const noBody = headRequest || status < 200 || status === 204 || status === 304;
  let close = minor === 0;
  let connectionTokens: string[] | null = null;
  if (connection !== undefined) {
    for (const raw of connection.split(',')) {
      const token = raw.trim().toLowerCase();
      if (token === 'close') close = true;
      else if (token === 'keep-alive') {
        if (minor === 0) close = false;
      } else if (token !== '') (connectionTokens ??= []).push(token);
    }
  }
  if (minor === 0 && chunked) throw new ResponseError('chunked encoding in an HTTP/1.0 response');
  const untilClose = !noBody && !chunked && contentLength === -1;
  return {
    status,
    reason,
    headers,
    minor,
    contentLength,
    chunked,
    noBody,
    untilClose,
    close: close || untilClose,
    keepAliveMs: keepAlive === undefined ? -1 : keepAliveTimeoutMs(keepAlive),
    connectionTokens,
  };
}

function parseContentLength(value: string): number {
  // "12" or a list of identical values ("12, 12").
  let result = -1;
  for (const part of value.indexOf(',') === -1 ? [value] : value.split(',')) {
    const v = part.trim();
    if (!/^\d{1,15}$/.test(v)) throw new ResponseError('invalid Content-Length');
    const n = Number(v);
    if (result !== -1 && n !== result) throw new ResponseError('conflicting Content-Length');
    result = n;
  }
  return result;
}

/** "timeout=5, max=100" -> 5000; -1 when there is no usable timeout. */
export function keepAliveTimeoutMs(value: string): number {
  const m = /(?:^|[\s,;])timeout\s*=\s*(\d+)/i.exec(value);
  return m ? Number(m[1]) * 1000 : -1;
}
