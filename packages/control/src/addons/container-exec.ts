/**
 * Commands run in a container and files copied into it, through the Docker API: shared by the
 * add-ons' servers (servers.ts) and the scratch servers backups are checked in (scratch.ts).
 */
import type { Readable, Writable } from 'node:stream';
import { PassThrough } from 'node:stream';
import tar from 'tar-stream';
import type { Docker } from '@gantry/docker';

export interface ExecResult {
  exitCode: number;
  /** Collected when no stdout stream was given. */
  stdout: string;
  stderr: string;
}

export interface ExecIo {
  env?: Record<string, string>;
  /** Receives stdout (binary safe) and is ended; without it stdout is collected. */
  stdout?: Writable;
}

/** Runs argv (no shell) in a running container and waits for it to exit. */
export async function execIn(docker: Docker, container: Docker.Container, argv: string[], io: ExecIo = {}): Promise<ExecResult> {
  const exec = await container.exec({ Cmd: argv, AttachStdout: true, AttachStderr: true, Env: Object.entries(io.env ?? {}).map(([k, v]) => `${k}=${v}`) });
  const stream = await exec.start({ hijack: true, stdin: false });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const stdout = io.stdout ?? collect(out);
  const stderr = collect(err);
  await new Promise<void>((resolve, reject) => {
    docker.modem.demuxStream(stream, stdout, stderr);
    stream.on('end', resolve);
    stream.on('close', resolve);
    stream.on('error', reject);
  });
  if (io.stdout) await new Promise<void>((resolve, reject) => io.stdout!.end((e?: Error | null) => (e ? reject(e) : resolve())));
  const info = await exec.inspect();
  return { exitCode: info.ExitCode ?? -1, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}

/** Copies `size` bytes of `source` into the container as dir/name (mode 0600); works on created containers too. */
export async function putFileIn(container: Docker.Container, dir: string, name: string, source: Readable, size: number): Promise<void> {
  const pack = tar.pack();
  const entry = pack.entry({ name, size, mode: 0o600 }, (e) => (e ? pack.destroy(e) : pack.finalize()));
  source.pipe(entry);
  await container.putArchive(pack as unknown as NodeJS.ReadableStream, { path: dir });
}

function collect(into: Buffer[]): Writable {
  const s = new PassThrough();
  s.on('data', (b: Buffer) => into.push(b));
  return s;
}
