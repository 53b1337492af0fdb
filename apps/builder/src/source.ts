import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import tar from 'tar-stream';

const MAX_SMALL_FILE = 256 * 1024;

/** Regular files at the root of a source tar whose names are asked for, as text. */
export async function readRootFiles(tarPath: string, names: string[]): Promise<Map<string, string>> {
  const wanted = new Set(names);
  const found = new Map<string, string>();
  const extract = tar.extract();
  extract.on('entry', (header, stream, next) => {
    const name = header.name.replace(/^\.\//, '');
    if (header.type === 'file' && wanted.has(name) && (header.size ?? 0) <= MAX_SMALL_FILE) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => chunks.push(c as Buffer));
      stream.on('end', () => {
        found.set(name, Buffer.concat(chunks).toString('utf8'));
        next();
      });
    } else {
      stream.on('end', next);
      stream.resume();
    }
  });
  await pipeline(createReadStream(tarPath), extract);
  return found;
}

/**
 * A copy of the tar without the entries `exclude` rejects (e.g. .dockerignore patterns), as a
 * stream for a Docker build context.
 */
export function filteredTar(tarPath: string, exclude: (name: string) => boolean): Readable {
  const extract = tar.extract();
  const pack = tar.pack();
  extract.on('entry', (header, stream, next) => {
    const name = header.name.replace(/^\.\//, '').replace(/\/$/, '');
    if (name && exclude(name)) {
      stream.on('end', next);
      stream.resume();
      return;
    }
    stream.pipe(pack.entry(header, (err) => next(err ?? undefined)));
  });
  extract.on('finish', () => pack.finalize());
  createReadStream(tarPath)
    .on('error', (e) => pack.destroy(e))
    .pipe(extract)
    .on('error', (e) => pack.destroy(e));
  // tar-stream is built on streamx; hand out a plain Node stream.
  return Readable.from(pack);
}

/** A tar of in-memory files (name -> content), e.g. ENV_DIR for buildpacks. */
export async function tarOf(files: Record<string, string>, mode = 0o600): Promise<Buffer> {
  const pack = tar.pack();
  for (const [name, content] of Object.entries(files)) pack.entry({ name, mode }, content);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
