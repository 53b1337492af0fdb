/**
 * The client side of `gantry run`: one HTTP Upgrade connection to the API (`POST
 * /apps/:app/dynos`, `Upgrade: gantry-run`) carrying run frames both ways (see @gantry/api-client
 * run-frames). Error answers before the switch become ApiError, as for any other request.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Duplex } from 'node:stream';
import { ApiError, RUN_OPTIONS_HEADER, RUN_UPGRADE, encodeRunOptions, type ErrorBody, type RunOptions } from '@gantry/api-client';

export interface RunConnection {
  socket: Duplex;
  /** Bytes that arrived with the 101 answer (the first frames). */
  head: Buffer;
}

export function openRun(login: { apiUrl: string; token: string }, app: string, options: RunOptions): Promise<RunConnection> {
  const url = new URL(`${login.apiUrl.replace(/\/+$/, '')}/api/v1/apps/${encodeURIComponent(app)}/dynos`);
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${login.token}`,
        connection: 'Upgrade',
        upgrade: RUN_UPGRADE,
        [RUN_OPTIONS_HEADER]: encodeRunOptions(options),
        accept: 'application/json',
      },
    });
    req.on('upgrade', (_res, socket, head) => resolve({ socket, head }));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        let body: ErrorBody | undefined;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ErrorBody;
        } catch {
          /* not JSON */
        }
        const status = res.statusCode ?? 0;
        reject(new ApiError(status, body?.error.id ?? 'http_error', body?.error.message ?? `HTTP ${status}`, body?.error.details));
      });
    });
    req.on('error', (err) => {
      const cause = (err as NodeJS.ErrnoException).code ?? err.message;
      reject(new ApiError(0, 'unreachable', `Cannot reach the Gantry API at ${login.apiUrl} (${cause}).`));
    });
    req.end();
  });
}
