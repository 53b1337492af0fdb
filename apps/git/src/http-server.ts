/**
 * Git smart HTTP for apps: http://HOST:7070/<app>.git. Every request is authenticated here (a
 * Gantry token as the Basic password) and authorized against the app's team (push needs write,
 * fetch needs read) BEFORE node-git-server sees it: its own `authenticate` guards only info/refs.
 * The request is then rewritten to the app's id-named repository and handed to node-git-server.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Git } from 'node-git-server';
import { authenticateToken, appFor, type Actor, type Ctx } from '@gantry/control';
import { isGantryError } from '@gantry/core';
import { isDatabaseOutage } from '@gantry/db';
import type { Logger } from '@gantry/log';
import type { PushRegistry } from './pushes';
import type { Repos } from './repos';

export interface GitHttpDeps {
  ctx: Ctx;
  repos: Repos;
  registry: PushRegistry;
  log: Logger;
  /** Largest pack a push may upload. */
  maxPushBytes: number;
}

interface GitRequest {
  app: string;
  /** Path after the repository: /info/refs, /git-receive-pack, /git-upload-pack, /HEAD. */
  rest: string;
  service: 'receive-pack' | 'upload-pack' | null;
}

const MALFORMED_PUSH_MS = 30_000;

export function parseGitPath(url: string): GitRequest | null {
  const u = new URL(url, 'http://git');
  const m = /^\/([^/]+?)(?:\.git)?(\/info\/refs|\/git-receive-pack|\/git-upload-pack|\/HEAD)$/.exec(u.pathname);
  if (!m) return null;
  const rest = m[2]!;
  let service: GitRequest['service'] = null;
  if (rest === '/info/refs') {
    const s = u.searchParams.get('service');
    service = s === 'git-receive-pack' ? 'receive-pack' : s === 'git-upload-pack' ? 'upload-pack' : null;
  } else if (rest === '/git-receive-pack') service = 'receive-pack';
  else if (rest === '/git-upload-pack') service = 'upload-pack';
  return { app: decodeURIComponent(m[1]!), rest, service };
}

function tokenOf(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  if (!h?.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(h.slice(6), 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  const user = i < 0 ? decoded : decoded.slice(0, i);
  const pass = i < 0 ? '' : decoded.slice(i + 1);
  // The token is the password (git's usual form); "https://TOKEN@host" puts it in the user.
  return pass || user || undefined;
}

function deny(res: ServerResponse, status: number, message: string, challenge = false): void {
  const headers: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8' };
  if (challenge) headers['www-authenticate'] = 'Basic realm="Gantry"';
  res.writeHead(status, headers).end(message + '\n');
}

export function createGitHttpServer(deps: GitHttpDeps): { server: Server; git: Git } {
  const git = new Git(deps.repos.dir, { autoCreate: false });
  const actors = new WeakMap<IncomingMessage, { actor: Actor; appId: string; done: Promise<void>; parsed: () => void }>();

  git.on('push', (push) => {
    const who = actors.get(push.req as IncomingMessage);
    if (!who) return push.reject(403, 'not authorized');
    who.parsed();
    deps.registry.register({ appId: who.appId, sha: push.commit, userId: who.actor.userId, email: who.actor.email, finished: who.done });
    push.accept();
  });
  // Tags and other refs are accepted by transport and refused politely by the hook.
  git.on('tag', (tag) => {
    const who = actors.get(tag.req as IncomingMessage);
    if (!who) return tag.reject(403, 'not authorized');
    who.parsed();
    deps.registry.register({ appId: who.appId, sha: tag.commit, userId: who.actor.userId, email: who.actor.email, finished: who.done });
    tag.accept();
  });
  git.on('fetch', (fetch) => fetch.accept());
  git.on('info', (info) => info.accept());
  git.on('head', (head) => head.accept());

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const parsed = parseGitPath(req.url ?? '/');
    if (!parsed) return deny(res, 404, 'Not a Gantry git URL. Use http://HOST:PORT/<app>.git');
    if (parsed.rest !== '/HEAD' && parsed.service === null) return deny(res, 400, 'Unsupported git service.');
    const token = tokenOf(req);
    if (!token) return deny(res, 401, 'Authentication required: run `gantry login` (the CLI is git\'s credential helper).', true);
    let actor: Actor;
    try {
      actor = await authenticateToken(deps.ctx, token);
    } catch (err) {
      // Not "authentication failed": git would ask for other credentials and the token is fine.
      if (isDatabaseOutage(err)) return deny(res, 503, 'Gantry cannot reach Postgres; nothing was pushed. Try again when it is back.');
      return deny(res, 401, isGantryError(err) ? err.message : 'Authentication failed.', true);
    }
    const need = parsed.service === 'receive-pack' ? 'write' : 'read';
    let appId: string;
    try {
      const app = await appFor(deps.ctx, actor, parsed.app, need);
      if (app.kind === 'addon') return deny(res, 404, `${parsed.app} runs an add-on's server: it takes no pushes (gantry addons:info ${parsed.app}).`);
      appId = app.id;
    } catch (err) {
      if (isGantryError(err) && err.id === 'not_found') return deny(res, 404, `App ${parsed.app} not found.`);
      if (isGantryError(err) && err.id === 'forbidden') return deny(res, 403, `You do not have ${need} access to ${parsed.app}.`);
      throw err;
    }
    await deps.repos.ensure(appId);

    const done = new Promise<void>((resolve) => res.on('close', () => resolve()));
    const isPush = req.method === 'POST' && parsed.service === 'receive-pack';
    actors.set(req, { actor, appId, done, parsed: isPush ? guardPush(req, res, deps.maxPushBytes) : () => {} });
    const q = new URL(req.url ?? '/', 'http://git').search;
    req.url = `/${appId}.git${parsed.rest}${q}`;
    git.handle(req, res);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: Error) => {
      deps.log.error(`git ${req.method} ${req.url} failed: ${err.stack ?? err.message}`);
      if (!res.headersSent && isDatabaseOutage(err)) deny(res, 503, 'Gantry cannot reach Postgres; nothing was pushed. Try again when it is back.');
      else if (!res.headersSent) deny(res, 500, 'Gantry git service error.');
      else res.destroy();
    });
  });
  return { server, git };
}

/**
 * Protects receive-pack from bad input node-git-server does not handle: an oversized pack is cut
 * off with 413, and a body that never forms a ref update (it would hang forever) gets 400.
 * Returns the function to call once a ref update was parsed.
 */
function guardPush(req: IncomingMessage, res: ServerResponse, maxBytes: number): () => void {
  let size = 0;
  let parsed = false;
  const malformed = () => {
    if (!parsed && !res.headersSent) {
      deny(res, 400, 'Malformed push: no ref update received.');
      req.destroy();
    }
  };
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > maxBytes && !res.headersSent) {
      deny(res, 413, `Push larger than the limit of ${maxBytes} bytes.`);
      req.destroy();
    }
  });
  const timer = setTimeout(malformed, MALFORMED_PUSH_MS);
  // The whole body arrived without a ref update (allow for a compressed body still decoding).
  req.on('end', () => setTimeout(malformed, 1000).unref());
  res.on('close', () => clearTimeout(timer));
  return () => {
    parsed = true;
    clearTimeout(timer);
  };
}
