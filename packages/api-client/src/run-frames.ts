/**
 * `gantry run` over one HTTP Upgrade connection (`POST /api/v1/apps/:app/dynos`, `Upgrade:
 * gantry-run`, the options in the `x-gantry-run` header as base64url JSON). After the 101, both
 * sides send frames: a 1-byte kind, a 4-byte big-endian payload length, the payload.
 *
 *   client -> API   stdin (bytes), stdin-end, resize ({"cols","rows"})
 *   API -> client   status ("up, run.1234"), stdout, stderr (bytes), exit (the code, as text),
 *                   error (a message; the connection ends after it)
 */
export const RUN_UPGRADE = 'gantry-run';
export const RUN_OPTIONS_HEADER = 'x-gantry-run';

export const FRAME = { stdin: 0, stdinEnd: 1, resize: 2, status: 3, stdout: 4, stderr: 5, exit: 6, error: 7 } as const;
export type FrameKind = (typeof FRAME)[keyof typeof FRAME];

export interface Frame {
  kind: number;
  payload: Buffer;
}

/** Largest payload accepted; bigger writes are split by the sender. */
export const MAX_FRAME_BYTES = 1024 * 1024;

export interface RunOptions {
  argv: string[];
  env: Record<string, string>;
  size?: string;
  /** Allocate a terminal (the CLI's stdin is one): raw output on stdout, resizes. */
  tty: boolean;
  cols?: number;
  rows?: number;
}

export function encodeFrame(kind: FrameKind, payload: Buffer | string = ''): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const head = Buffer.alloc(5);
  head.writeUInt8(kind, 0);
  head.writeUInt32BE(body.length, 1);
  return Buffer.concat([head, body]);
}

/** Splits a byte stream into frames; throws on a frame longer than MAX_FRAME_BYTES. */
export class FrameDecoder {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Frame[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: Frame[] = [];
    while (this.buf.length >= 5) {
      const size = this.buf.readUInt32BE(1);
      if (size > MAX_FRAME_BYTES) throw new Error(`run frame of ${size} bytes is too large`);
      if (this.buf.length < 5 + size) break;
      out.push({ kind: this.buf.readUInt8(0), payload: this.buf.subarray(5, 5 + size) });
      this.buf = this.buf.subarray(5 + size);
    }
    return out;
  }
}

export function encodeRunOptions(o: RunOptions): string {
  return Buffer.from(JSON.stringify(o), 'utf8').toString('base64url');
}

/** Parses the header; shapes are checked by the API's use case. */
export function decodeRunOptions(header: string): unknown {
  return JSON.parse(Buffer.from(header, 'base64url').toString('utf8'));
}
