/**
 * The control server: the agent replaces the whole state with `PUT /state` (bearer token), peers
 * probe `GET /health`. Nothing else.
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { InvalidState, parseState, type NetdState } from './state';

export const MAX_STATE_BYTES = 4 * 1024 * 1024;

export interface ControlDeps {
  token: string;
  /** Applies a valid state; false when it is older than the current one. */
  apply: (state: NetdState) => boolean;
  health: () => { version: number; down: string[] };
}

class TooLarge extends Error {}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

// Comparing digests keeps the comparison constant-time whatever the lengths.
const digest = (s: string) => createHash('sha256').update(s).digest();

function authorized(req: IncomingMessage, token: string): boolean {
  const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
  return !!m && timingSafeEqual(digest(m[1]!), digest(token));
}

/**
 * The body, up to `limit` bytes. A larger one is refused only once the client has sent it (read
 * and dropped, up to 4 times the limit, then the connection is cut): answering 413 while the
 * client still writes makes it fail with EPIPE instead of reading the answer.
 */
function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = Number(req.headers['content-length'] ?? 0) > limit;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) tooLarge = true;
      if (size > 4 * limit) req.destroy();
      else if (!tooLarge) chunks.push(c);
    });
    req.on('end', () => (tooLarge ? reject(new TooLarge()) : resolve(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', reject);
  });
}

async function putState(req: IncomingMessage, res: ServerResponse, deps: ControlDeps): Promise<void> {
  if (!authorized(req, deps.token)) return send(res, 401, { error: 'unauthenticated', message: 'a valid bearer token is required' });
  let text: string;
  try {
    text = await readBody(req, MAX_STATE_BYTES);
  } catch (err) {
    if (err instanceof TooLarge) {
      res.setHeader('connection', 'close');
      return send(res, 413, { error: 'payload_too_large', message: `the state must be at most ${MAX_STATE_BYTES} bytes` });
    }
    throw err;
  }
  let state: NetdState;
  try {
    state = parseState(JSON.parse(text));
  } catch (err) {
    if (err instanceof SyntaxError) return send(res, 400, { error: 'invalid_input', message: `not JSON: ${err.message}` });
    if (err instanceof InvalidState) return send(res, 400, { error: 'invalid_input', message: err.message });
    throw err;
  }
  const applied = deps.apply(state);
  send(res, 200, { applied, version: deps.health().version });
}

export function controlServer(deps: ControlDeps, onError: (err: unknown) => void): Server {
  return createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const route = `${req.method} ${path}`;
    const handle = async () => {
      if (route === 'GET /health') return send(res, 200, deps.health());
      if (route === 'PUT /state') return putState(req, res, deps);
      if (path === '/health' || path === '/state') return send(res, 405, { error: 'method_not_allowed', message: `${req.method} is not allowed on ${path}` });
      send(res, 404, { error: 'not_found', message: `no route ${path}` });
    };
    handle().catch((err) => {
      onError(err);
      if (!res.headersSent) send(res, 500, { error: 'internal', message: 'internal error' });
      else res.destroy();
    });
  });
}
