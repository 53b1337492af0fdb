/**
 * Writes a downloaded file while hashing it: the bytes go to FILE.partial, and only when their
 * sha256 (and length) match what the server recorded is it renamed to FILE. Any failure removes
 * the partial file and leaves an existing FILE as it was.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CliError } from './args';

export interface Written {
  path: string;
  bytes: number;
  sha256: string;
}

export async function writeVerified(body: AsyncIterable<Uint8Array>, path: string, expected: { sha256: string | null; bytes: number | null }): Promise<Written> {
  if (!expected.sha256 || !/^[0-9a-f]{64}$/i.test(expected.sha256)) {
    throw new CliError('The server sent no sha256 of the backup (x-gantry-sha256): nothing was written, since the file could not be checked.');
  }
  const partial = `${path}.partial`;
  const hash = createHash('sha256');
  let bytes = 0;
  try {
    await pipeline(
      Readable.from(body),
      async function* (source: AsyncIterable<Uint8Array>) {
        for await (const chunk of source) {
          hash.update(chunk);
          bytes += chunk.length;
          yield chunk;
        }
      },
      createWriteStream(partial, { flags: 'w', mode: 0o600 }),
    );
    const sha256 = hash.digest('hex');
    if (expected.bytes !== null && bytes !== expected.bytes) {
      throw new CliError(`The download was cut: ${bytes} of ${expected.bytes} bytes arrived. Nothing was kept; try again.`);
    }
    if (sha256 !== expected.sha256.toLowerCase()) {
      throw new CliError(`The file's sha256 ${sha256} differs from the backup's ${expected.sha256.toLowerCase()}: it was corrupted on the way. Nothing was kept; try again.`);
    }
    await rename(partial, path);
    return { path, bytes, sha256 };
  } catch (e) {
    await rm(partial, { force: true });
    throw e;
  }
}
