/**
 * Lab hosts cannot pull (no registry): images are copied from the machine's main dockerd, one
 * `docker save` stream teed into a `docker load` of every host that lacks the image.
 */
import { PassThrough, type Readable } from 'node:stream';
import type { Docker } from '@gantry/docker';

export interface ImageTarget {
  name: string;
  docker: Docker;
}

async function imageId(docker: Docker, ref: string): Promise<string | null> {
  try {
    return (await docker.getImage(ref).inspect()).Id;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return null;
    throw err;
  }
}

/** Reads a load/build response (JSON lines) to its end; throws on an error message in it. */
export async function readLoadResponse(stream: NodeJS.ReadableStream): Promise<string[]> {
  let text = '';
  for await (const chunk of stream as AsyncIterable<Buffer | string>) text += chunk.toString();
  const messages: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (!line.trim()) continue;
    let msg: { stream?: string; error?: string; errorDetail?: { message?: string } };
    try {
      msg = JSON.parse(line);
    } catch {
      messages.push(line);
      continue;
    }
    if (msg.error || msg.errorDetail) throw new Error(msg.errorDetail?.message ?? msg.error);
    if (msg.stream) messages.push(msg.stream.trim());
  }
  return messages;
}

/** Copies `ref` from `source` into each target whose `ref` is missing or a different image. */
export async function copyImage(source: Docker, ref: string, targets: ImageTarget[]): Promise<void> {
  const id = await imageId(source, ref);
  if (!id) throw new Error(`Image ${ref} is not in the main Docker daemon (lab hosts cannot pull; build or load it there first)`);
  const missing: ImageTarget[] = [];
  await Promise.all(
    targets.map(async (t) => {
      if ((await imageId(t.docker, ref)) !== id) missing.push(t);
    }),
  );
  if (!missing.length) return;
  const tar = (await source.getImage(ref).get()) as Readable;
  const branches = missing.map(() => new PassThrough({ highWaterMark: 4 * 1024 * 1024 }));
  // pipe() to several destinations: the source pauses while any branch is full.
  for (const b of branches) tar.pipe(b);
  tar.once('error', (err) => branches.forEach((b) => b.destroy(err)));
  try {
    await Promise.all(
      missing.map(async (t, i) => {
        try {
          await readLoadResponse(await t.docker.loadImage(branches[i]!, { quiet: true }));
        } catch (err) {
          throw new Error(`Copying ${ref} into lab host ${t.name}: ${(err as Error).message}`);
        }
      }),
    );
  } catch (err) {
    tar.destroy();
    branches.forEach((b) => b.destroy());
    throw err;
  }
  await Promise.all(
    missing.map(async (t) => {
      const got = await imageId(t.docker, ref);
      if (got !== id) throw new Error(`Lab host ${t.name}: after loading, ${ref} is ${got ?? 'missing'}, expected ${id}`);
    }),
  );
}
