/**
 * One `gantry run` container, attached to one client connection:
 *
 *   create (argv array, config vars, limits, no socket mounts) -> attach (hijacked) -> start
 *   -> 101 to the client -> frames both ways:
 *        client stdin / stdin-end / resize  ->  container stdin (end = close it) / resize
 *        container stdout, stderr (demuxed; raw with a TTY)  ->  frames  ->  client
 *   -> exit frame with the command's exit code -> remove the container
 *   client gone first -> kill and remove
 */
import type { Duplex, Readable } from 'node:stream';
import { Writable } from 'node:stream';
import { FRAME, FrameDecoder, encodeFrame, type FrameKind } from '@gantry/api-client';
import { appHostConfig, createOnNetworks, type Docker, type Placement } from '@gantry/docker';
import type { InstanceSpec } from '@gantry/scheduler-core';

export interface StartedOneOff {
  container: Docker.Container;
  stream: Duplex;
}

/** Creates (on its networks: run-upgrade's placement), attaches and starts the container; the caller answers the client once it runs. */
export async function startOneOff(docker: Docker, spec: InstanceSpec, tty: boolean, where: Placement): Promise<StartedOneOff> {
  const container = await createOnNetworks(docker, {
    name: spec.name,
    Image: spec.image,
    ...(spec.cmd ? { Cmd: spec.cmd } : {}),
    Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
    Labels: spec.labels,
    Tty: tty,
    OpenStdin: true,
    StdinOnce: true,
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    HostConfig: appHostConfig({ memoryBytes: spec.memoryBytes, cpuShares: spec.cpuShares, logMaxSize: '1m', logMaxFiles: 1 }),
  }, where);
  try {
    const stream = (await container.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true })) as unknown as Duplex;
    await container.start();
    return { container, stream };
  } catch (err) {
    await container.remove({ force: true }).catch(() => {});
    throw err;
  }
}

/**
 * Relays frames between the client and the started container until the command exits (resolves
 * with its exit code) or the client goes away (kills it; resolves with null). Removes the container.
 */
export interface RelayOptions {
  tty: boolean;
  head?: Buffer;
  log: (m: string) => void;
  /**
   * Asked every `checkEveryMs` while the one-off runs: once false (the token was revoked, the
   * user left the team) the client gets `revokedMessage` as an error and the one-off is killed.
   */
  stillAllowed?: () => Promise<boolean>;
  revokedMessage?: string;
  checkEveryMs?: number;
}

/** How a one-off ended: its exit code, or null when it was killed (client gone, access revoked). */
export interface RelayEnd {
  code: number | null;
  revoked: boolean;
}

export function relayOneOff(docker: Docker, run: StartedOneOff, client: Duplex, opts: RelayOptions): Promise<RelayEnd> {
  const { container, stream } = run;
  const send = (kind: FrameKind, payload?: Buffer | string) => {
    if (!client.destroyed && client.writable) client.write(encodeFrame(kind, payload));
  };
  return new Promise((resolve) => {
    let finished = false;
    let revoked = false;
    let recheck: NodeJS.Timeout | undefined;
    const finish = async (code: number | null) => {
      if (finished) return;
      finished = true;
      clearInterval(recheck);
      if (code === null) await container.kill().catch(() => {});
      await container.remove({ force: true }).catch((err: Error) => opts.log(`removing one-off ${container.id.slice(0, 12)}: ${err.message}`));
      resolve({ code, revoked });
    };
    const stillAllowed = opts.stillAllowed;
    if (stillAllowed !== undefined) {
      let checking = false;
      recheck = setInterval(() => {
        if (checking || finished) return;
        checking = true;
        void stillAllowed()
          .catch(() => true) // a database hiccup is not a revocation
          .then((allowed) => {
            checking = false;
            if (allowed || finished) return;
            revoked = true;
            send(FRAME.error, opts.revokedMessage ?? 'Access was revoked: the one-off was stopped.');
            client.end();
            void finish(null);
          });
      }, opts.checkEveryMs ?? 1000);
    }

    // Client -> container.
    const decoder = new FrameDecoder();
    let stdinOpen = true;
    const onClientData = (chunk: Buffer) => {
      let frames;
      try {
        frames = decoder.push(chunk);
      } catch (err) {
        send(FRAME.error, (err as Error).message);
        client.destroy();
        return;
      }
      for (const f of frames) {
        if (f.kind === FRAME.stdin && stdinOpen) stream.write(f.payload);
        else if (f.kind === FRAME.stdinEnd && stdinOpen) {
          stdinOpen = false;
          stream.end(); // half-close: Docker closes the command's stdin (StdinOnce)
        } else if (f.kind === FRAME.resize && opts.tty) {
          const { cols, rows } = JSON.parse(f.payload.toString('utf8')) as { cols: number; rows: number };
          if (cols > 0 && rows > 0) void container.resize({ h: rows, w: cols }).catch(() => {});
        }
      }
    };
    client.on('data', onClientData);
    if (opts.head?.length) onClientData(opts.head);
    // The API server's sockets allow half-open connections: a client that is gone only says "end".
    client.on('end', () => void finish(null));
    client.on('close', () => void finish(null));
    client.on('error', () => {});
    stream.on('error', () => {});

    // Container -> client.
    const frameWriter = (kind: FrameKind) =>
      new Writable({
        write(chunk: Buffer, _enc, cb) {
          send(kind, chunk);
          cb();
        },
      });
    if (opts.tty) stream.on('data', (chunk: Buffer) => send(FRAME.stdout, chunk));
    else docker.modem.demuxStream(stream as unknown as Readable, frameWriter(FRAME.stdout), frameWriter(FRAME.stderr));

    let ended = false;
    const onEnd = async () => {
      if (ended || finished) return;
      ended = true;
      let code = 255;
      try {
        code = ((await container.wait()) as { StatusCode: number }).StatusCode;
      } catch (err) {
        opts.log(`waiting for one-off ${container.id.slice(0, 12)}: ${(err as Error).message}`);
      }
      send(FRAME.exit, String(code));
      client.end();
      await finish(code);
    };
    stream.on('end', () => void onEnd());
    stream.on('close', () => void onEnd());
  });
}
