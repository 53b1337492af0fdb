import type { Readable } from 'node:stream';
import type Docker from 'dockerode';

export interface BuildOptions {
  /** A tar stream of the build context. */
  context: Readable;
  tag: string;
  labels?: Record<string, string>;
  buildArgs?: Record<string, string>;
  /** Hard memory limit of each build step's container. */
  memoryBytes?: number;
  /** CPU limit of each step in CPUs (e.g. 1.5). */
  cpus?: number;
  /** Abort the build (the engine stops the running step). */
  signal?: AbortSignal;
}

export class ImageBuildError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImageBuildError';
  }
}

interface BuildMessage {
  stream?: string;
  status?: string;
  progress?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { ID?: string };
}

/**
 * `docker build` through the Engine API with the classic builder, whose output is plain text
 * (BuildKit's arrives base64-encoded). Calls onLine for every output line; resolves with the
 * image id, or rejects with ImageBuildError carrying the engine's message.
 */
export async function buildImage(docker: Docker, opts: BuildOptions, onLine: (line: string) => void): Promise<string> {
  const cpuPeriod = 100_000;
  const stream = (await docker.buildImage(opts.context, {
    t: opts.tag,
    labels: opts.labels ?? {},
    buildargs: opts.buildArgs ?? {},
    rm: true,
    forcerm: true,
    version: '1',
    ...(opts.memoryBytes ? { memory: opts.memoryBytes, memswap: opts.memoryBytes } : {}),
    ...(opts.cpus ? { cpuperiod: cpuPeriod, cpuquota: Math.round(opts.cpus * cpuPeriod) } : {}),
    ...(opts.signal ? { abortSignal: opts.signal } : {}),
  })) as Readable;

  return new Promise((resolve, reject) => {
    let imageId: string | undefined;
    let failure: string | undefined;
    let buffered = '';
    let pendingText = '';
    const emitText = (text: string) => {
      const parts = (pendingText + text).split(/\r?\n/);
      pendingText = parts.pop() ?? '';
      for (const p of parts) onLine(p);
    };
    const handle = (msg: BuildMessage) => {
      if (msg.error) failure = msg.errorDetail?.message ?? msg.error;
      else if (msg.stream) emitText(msg.stream);
      else if (msg.status) emitText(`${msg.status}${msg.progress ? ` ${msg.progress}` : ''}\n`);
      if (msg.aux?.ID) imageId = msg.aux.ID;
    };
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      buffered += chunk;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl).trim();
        buffered = buffered.slice(nl + 1);
        if (!line) continue;
        try {
          handle(JSON.parse(line) as BuildMessage);
        } catch {
          emitText(`${line}\n`);
        }
      }
    });
    stream.on('error', (err) => reject(opts.signal?.aborted ? new ImageBuildError('Build aborted') : err));
    stream.on('end', async () => {
      if (pendingText) onLine(pendingText);
      if (failure) return reject(new ImageBuildError(failure));
      if (opts.signal?.aborted) return reject(new ImageBuildError('Build aborted'));
      try {
        resolve(imageId ?? (await docker.getImage(opts.tag).inspect()).Id);
      } catch (err) {
        reject(err);
      }
    });
  });
}
