import { InvalidInput, hashToken, isGantryError } from '@gantry/core';
import { login, revokeCurrentToken } from '@gantry/control';
import type { Router } from '../../http/router';
import { readJson } from '../../http/body';
import { sendJson } from '../../http/respond';
import { SESSION_TTL_SECONDS, actorFor, clearedSessionCookie, isHttps, sessionCookie } from '../auth';
import type { ApiDeps } from '../deps';
import { userView } from '../views';

/** "dashboard Mozilla/5.0 (X11; Linux x86_64)…": which browser a session token belongs to. */
export function sessionTokenName(userAgent: string | undefined): string {
  const ua = (userAgent ?? '').replace(/[^\x20-\x7e]/g, '').trim();
  return `dashboard ${ua ? ua.slice(0, 80) : 'browser'}`;
}

export function sessionRoutes(r: Router<ApiDeps>): void {
  r.add('POST', '/auth/login', async (deps, { req, res }) => {
    const body = await readJson(req, deps.config.GANTRY_MAX_API_BODY);
    const { email, password, tokenName } = body;
    if (typeof email !== 'string' || typeof password !== 'string') throw new InvalidInput('Send "email" and "password".');
    const out = await login(deps.ctx, { email, password, tokenName: typeof tokenName === 'string' ? tokenName : undefined, clientIp: req.socket.remoteAddress });
    sendJson(res, 201, { token: out.token, user: userView({ ...out.user, isAdmin: false }) });
  });

  r.add('POST', '/auth/logout', async (deps, { req, res }) => {
    const actor = await actorFor(deps, req);
    await revokeCurrentToken(deps.ctx, actor);
    res.writeHead(204).end();
  });

  /**
   * Dashboard login. Body: { email, password }. Sets the session cookie (HttpOnly, SameSite=Lax,
   * Secure over HTTPS) holding a new API token named "dashboard <user agent>" that expires in 14
   * days; the token is never shown to the page's scripts.
   */
  r.add('POST', '/auth/session', async (deps, { req, res }) => {
    const body = await readJson(req, deps.config.GANTRY_MAX_API_BODY);
    const { email, password } = body;
    if (typeof email !== 'string' || typeof password !== 'string') throw new InvalidInput('Send "email" and "password".');
    const out = await login(deps.ctx, { email, password, tokenName: sessionTokenName(req.headers['user-agent']), clientIp: req.socket.remoteAddress });
    const expiresAt = new Date(Date.now() + SESSION_TTL_SECONDS * 1000);
    await deps.ctx.db.apiToken.update({ where: { tokenHash: hashToken(out.token) }, data: { expiresAt } });
    const user = await deps.ctx.db.user.findUniqueOrThrow({ where: { id: out.user.id } });
    res.setHeader('set-cookie', sessionCookie(out.token, { secure: isHttps(req) }));
    sendJson(res, 201, { user: userView(user), expiresAt: expiresAt.toISOString() });
  });

  /** Dashboard logout: revokes the session's token and clears the cookie (also when it had expired). */
  r.add('DELETE', '/auth/session', async (deps, { req, res }) => {
    try {
      await revokeCurrentToken(deps.ctx, await actorFor(deps, req));
    } catch (err) {
      if (!isGantryError(err) || err.id !== 'unauthenticated') throw err;
    }
    res.setHeader('set-cookie', clearedSessionCookie(isHttps(req)));
    res.writeHead(204).end();
  });

  r.add('GET', '/me', async (deps, { req, res }) => {
    const actor = await actorFor(deps, req);
    const user = await deps.ctx.db.user.findUniqueOrThrow({ where: { id: actor.userId } });
    sendJson(res, 200, userView(user));
  });
}
