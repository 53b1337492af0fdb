import type { ServerResponse } from 'node:http';
import { isGantryError, type ErrorId } from '@gantry/core';
import { asUnavailable } from './outage';

/** The one place domain error ids become HTTP statuses. */
const STATUS: Record<ErrorId, number> = {
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  invalid_input: 422,
  destination_refused: 422,
  name_taken: 409,
  conflict: 409,
  payload_too_large: 413,
  unavailable: 503,
  rate_limited: 429,
  backup_failed: 500,
  internal: 500,
};

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

/**
 * Error body: { error: { id, message, details? } }. Unknown errors are logged, not leaked; a
 * driver's "cannot reach Redis/Postgres" becomes 503 unavailable (the one place it is mapped).
 */
export function sendError(res: ServerResponse, raw: unknown, log: (msg: string) => void): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const err = asUnavailable(raw, res.req?.method ?? 'GET');
  if (err !== raw) log(`unavailable: ${(raw as Error).message.trim().split('\n').pop()}`);
  if (isGantryError(err)) {
    const status = STATUS[err.id];
    if (status === 401) res.setHeader('www-authenticate', 'Bearer realm="gantry"');
    if (status === 429 && typeof err.details?.retryAfterSeconds === 'number') res.setHeader('retry-after', String(err.details.retryAfterSeconds));
    sendJson(res, status, { error: { id: err.id, message: err.message, ...(err.details ? { details: err.details } : {}) } });
    return;
  }
  log(`internal error: ${(err as Error)?.stack ?? String(err)}`);
  sendJson(res, 500, { error: { id: 'internal', message: 'Internal error; see the API server log.' } });
}
