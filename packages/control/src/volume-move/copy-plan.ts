/**
 * The pure half of copying a volume from host to host: the argv the helper containers run (no
 * shell, nothing from user input), how the two hosts' file lists are compared, and the framing
 * Docker puts around an attached container's output (split here with backpressure, so a fast
 * source never piles the volume up in the control plane's memory).
 *
 *   source host: tar -C /v -cf - .   ─stdout─> control plane (counts bytes) ─stdin─>  tar -C /v -xpf -   :target host
 *   both hosts:  find /v -printf ...  ─> sorted list of (type, size, mode, owner, path) ─> equal?
 */
import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/** Where helper containers mount the volume. */
export const MOUNT = '/v';

/** Writes the volume as a tar stream on stdout; owners kept as numbers (the image's user names may differ). */
export const packArgv = (): string[] => ['tar', '--numeric-owner', '-C', MOUNT, '-cf', '-', '.'];

/** Unpacks the tar stream read on stdin into the volume, keeping modes and owners (it runs as root). */
export const unpackArgv = (): string[] => ['tar', '--numeric-owner', '--same-owner', '-C', MOUNT, '-xpf', '-'];

/**
 * One NUL-terminated line per entry: "f <size> <mode> <uid>:<gid> <path>" for regular files and
 * "<type> - <mode> <uid>:<gid> <path>" for the rest (a directory's own size differs between file
 * systems, so it is left out).
 */
export const listArgv = (): string[] => [
  'find', MOUNT, '-mindepth', '1',
  '(', '-type', 'f', '-printf', 'f %s %m %U:%G %P\\0', ')',
  '-o', '(', '!', '-type', 'f', '-printf', '%y - %m %U:%G %P\\0', ')',
];

export interface Listing {
  entries: number;
  files: number;
  /** Sum of the regular files' sizes. */
  bytes: number;
  /** sha256 of the sorted entries. */
  digest: string;
  /** The sorted entries, to name a difference. */
  lines: string[];
}

/** Parses find's NUL-separated output into a Listing. */
export function parseListing(raw: string): Listing {
  const lines = raw.split('\0').filter((l) => l.length > 0).sort();
  let files = 0;
  let bytes = 0;
  for (const l of lines) {
    if (!l.startsWith('f ')) continue;
    files++;
    bytes += Number(l.split(' ', 3)[1]);
  }
  const digest = createHash('sha256').update(lines.join('\0')).digest('hex');
  return { entries: lines.length, files, bytes, digest, lines };
}

/** null when the target holds what the source held, else what differs (the first difference). */
export function listingProblem(source: Listing, target: Listing): string | null {
  if (source.digest === target.digest) return null;
  const there = new Set(target.lines);
  const here = new Set(source.lines);
  const missing = source.lines.find((l) => !there.has(l));
  const extra = target.lines.find((l) => !here.has(l));
  const name = (l: string) => l.split(' ').slice(4).join(' ');
  const what = missing ? `${name(missing)} differs or is missing on the target (source: ${missing})` : extra ? `the target has ${name(extra)} (${extra}), which the source has not` : 'the lists differ';
  return `the copy does not match the source: ${source.files} files / ${source.bytes} bytes on the source, ${target.files} files / ${target.bytes} bytes on the target; ${what}`;
}

/**
 * Splits Docker's multiplexed attach stream (8-byte header: stream id, 3 zero bytes, big-endian
 * length) into stdout, passed on as this Transform's output (so pipe() applies backpressure),
 * and stderr, handed to `onStderr`.
 */
export class Demux extends Transform {
  private buf: Buffer = Buffer.alloc(0);

  constructor(private readonly onStderr: (chunk: Buffer) => void) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    while (this.buf.length >= 8) {
      const size = this.buf.readUInt32BE(4);
      if (this.buf.length < 8 + size) break;
      const payload = this.buf.subarray(8, 8 + size);
      if (this.buf[0] === 2) this.onStderr(Buffer.from(payload));
      else this.push(Buffer.from(payload));
      this.buf = this.buf.subarray(8 + size);
    }
    done();
  }

  override _flush(done: TransformCallback): void {
    done(this.buf.length ? new Error(`the container's output ended inside a frame (${this.buf.length} bytes left)`) : null);
  }
}

/** The text of a whole multiplexed buffer (a non-TTY container's logs): stdout and stderr in order. */
export function demuxText(buf: Buffer): string {
  const out: Buffer[] = [];
  let i = 0;
  while (i + 8 <= buf.length) {
    const size = buf.readUInt32BE(i + 4);
    out.push(buf.subarray(i + 8, i + 8 + size));
    i += 8 + size;
  }
  return Buffer.concat(out).toString('utf8');
}
