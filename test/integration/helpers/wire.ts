/**
 * A raw HTTP/1.1 client for router tests: one TCP (or TLS) connection that sends exact bytes and
 * reads exact responses (Content-Length, chunked, or until close), so what a client sees on the
 * wire is checked, malformed requests included.
 */
import net from 'node:net';
import tls from 'node:tls';

export interface WireResponse {
  status: number;
  /** Header fields, names lowercase (the last of repeated ones). */
  headers: Record<string, string>;
  body: string;
}

export class Wire {
  readonly socket: net.Socket;
  private buf = Buffer.alloc(0);
  private waiter: (() => void) | undefined;
  ended = false;

  constructor(port: number, opts: { tls?: { servername: string } } = {}) {
    this.socket = opts.tls
      ? tls.connect({ port, host: '127.0.0.1', servername: opts.tls.servername, rejectUnauthorized: false })
      : net.connect(port, '127.0.0.1');
    this.socket.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.waiter?.();
    });
    this.socket.on('end', () => {
      this.ended = true;
      this.waiter?.();
    });
    this.socket.on('close', () => {
      this.ended = true;
      this.waiter?.();
    });
    this.socket.on('error', () => {});
  }

  send(text: string): void {
    this.socket.write(text, 'latin1');
  }

  /** Bytes received and not yet read as a response. */
  get unread(): string {
    return this.buf.toString('latin1');
  }

  private async more(what: string, timeoutMs: number): Promise<void> {
    if (this.ended) throw new Error(`connection ended while waiting for ${what} (unread: ${JSON.stringify(this.unread.slice(0, 200))})`);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise<void>((resolve) => (this.waiter = resolve)),
      new Promise<void>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
      }),
    ]).finally(() => clearTimeout(timer));
  }

  /** Reads one response; `head` when it answers a HEAD request. */
  async response(opts: { head?: boolean; timeoutMs?: number } = {}): Promise<WireResponse> {
    const timeoutMs = opts.timeoutMs ?? 5000;
    let end: number;
    while ((end = this.buf.indexOf('\r\n\r\n')) === -1) await this.more('a response head', timeoutMs);
    const lines = this.buf.toString('latin1', 0, end).split('\r\n');
    this.buf = this.buf.subarray(end + 4);
    const status = Number(lines[0]!.split(' ')[1]);
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    let body = '';
    if (opts.head || status === 204 || status === 304 || (status >= 100 && status < 200)) return { status, headers, body };
    if (headers['transfer-encoding'] === 'chunked') {
      for (;;) {
        let lf: number;
        while ((lf = this.buf.indexOf('\r\n')) === -1) await this.more('a chunk size', timeoutMs);
        const size = parseInt(this.buf.toString('latin1', 0, lf), 16);
        while (this.buf.length < lf + 2 + size + 2) await this.more('chunk data', timeoutMs);
        body += this.buf.toString('latin1', lf + 2, lf + 2 + size);
        this.buf = this.buf.subarray(lf + 2 + size + 2);
        if (size === 0) break;
      }
    } else if (headers['content-length'] !== undefined) {
      const length = Number(headers['content-length']);
      while (this.buf.length < length) await this.more('the body', timeoutMs);
      body = this.buf.toString('latin1', 0, length);
      this.buf = this.buf.subarray(length);
    } else {
      while (!this.ended) await this.more('the end of a body without length', timeoutMs);
      body = this.buf.toString('latin1');
      this.buf = Buffer.alloc(0);
    }
    return { status, headers, body };
  }

  /** Waits until the router closed the connection. */
  async closed(timeoutMs = 5000): Promise<void> {
    while (!this.ended) await this.more('the connection to close', timeoutMs);
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** Sends `text` on a new connection and reads one response. */
export async function exchange(port: number, text: string, opts: { timeoutMs?: number } = {}): Promise<WireResponse & { ms: number; wire: Wire }> {
  const wire = new Wire(port);
  const started = performance.now();
  wire.send(text);
  const answer = await wire.response(opts);
  return { ...answer, ms: performance.now() - started, wire };
}
