/**
 * Who is calling: a Bearer token (the CLI, scripts) or the dashboard's session cookie.
 *
 *   Authorization: Bearer <token>  ──> that token (no CSRF question: a browser never adds it on its own)
 *   Cookie: gantry_session=<token>  ──> that token, and for unsafe methods a CSRF check:
 *                                       x-gantry-csrf: 1 (the dashboard's fetch sends it) or an
 *                                       Origin naming this very host; anything else is 403.
 */
import type { IncomingMessage } from 'node:http';
import { Forbidden } from '@gantry/core';
import { authenticateToken, type Actor } from '@gantry/control';
import type { ApiDeps } from './deps';

export const SESSION_COOKIE = 'gantry_session';
/** How long a dashboard session lasts (its token expires then). */
export const SESSION_TTL_SECONDS = 14 * 24 * 3600;
export const CSRF_HEADER = 'x-gantry-csrf';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Bearer token from the Authorization header (Basic with the token as password also works). */
export function tokenFrom(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  if (!h) return undefined;
  const [scheme, value] = h.split(' ', 2);
  if (scheme?.toLowerCase() === 'bearer') return value?.trim();
  if (scheme?.toLowerCase() === 'basic' && value) {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    return decoded.slice(decoded.indexOf(':') + 1);
  }
  return undefined;
}

/** `a=1; b=2` -> { a: "1", b: "2" }. The first of repeated names wins; bad escapes are kept raw. */
export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    if (!name || name in out) continue;
    let value = part.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    try {
      out[name] = decodeURIComponent(value);
    } catch {
      out[name] = value;
    }
  }
  return out;
}

/** The Set-Cookie value of a session: HttpOnly, SameSite=Lax, Secure over HTTPS. */
export function sessionCookie(token: string, opts: { secure: boolean; maxAgeSeconds?: number }): string {
  const maxAge = opts.maxAgeSeconds ?? SESSION_TTL_SECONDS;
  return [`${SESSION_COOKIE}=${encodeURIComponent(token)}`, 'Path=/', `Max-Age=${maxAge}`, 'HttpOnly', 'SameSite=Lax', ...(opts.secure ? ['Secure'] : [])].join('; ');
}

/** The Set-Cookie value that removes the session cookie. */
export function clearedSessionCookie(secure: boolean): string {
  return sessionCookie('', { secure, maxAgeSeconds: 0 });
}

/** Whether the client reached us over HTTPS (directly, or through a proxy that says so). */
export function isHttps(req: IncomingMessage): boolean {
  if ((req.socket as { encrypted?: boolean }).encrypted) return true;
  const proto = req.headers['x-forwarded-proto'];
  const first = (Array.isArray(proto) ? proto[0] : proto)?.split(',')[0]?.trim().toLowerCase();
  return first === 'https';
}

export interface CsrfInput {
  method: string;
  /** The Origin header, if any ("null" from sandboxed or privacy-conscious contexts). */
  origin: string | undefined;
  /** The host the client addressed (X-Forwarded-Host behind a proxy, else Host). */
  host: string | undefined;
  /** The x-gantry-csrf header. */
  csrfHeader: string | undefined;
}

/**
 * May a cookie-authenticated request go ahead? Safe methods always; unsafe ones when they carry
 * the dashboard's custom header (a cross-site form cannot set headers, and a cross-site fetch
 * with one needs a CORS preflight we never grant) or an Origin of this same host.
 */
export function csrfAllows(i: CsrfInput): boolean {
  if (SAFE_METHODS.has(i.method.toUpperCase())) return true;
  if (i.csrfHeader === '1') return true;
  if (!i.origin || i.origin === 'null' || !i.host) return false;
  try {
    return new URL(i.origin).host.toLowerCase() === i.host.toLowerCase();
  } catch {
    return false;
  }
}

const header = (req: IncomingMessage, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

/** The request's credentials: the Authorization header first, else the session cookie. */
export function credentialsFrom(req: IncomingMessage): { token: string | undefined; via: 'header' | 'cookie' | 'none' } {
  const bearer = tokenFrom(req);
  if (bearer !== undefined) return { token: bearer, via: 'header' };
  const cookie = parseCookies(req.headers.cookie)[SESSION_COOKIE];
  if (cookie) return { token: cookie, via: 'cookie' };
  return { token: undefined, via: 'none' };
}

/** Refuses (403) a cookie-authenticated unsafe request that fails the CSRF check. */
export function assertCsrf(req: IncomingMessage): void {
  const ok = csrfAllows({
    method: req.method ?? 'GET',
    origin: header(req, 'origin'),
    host: header(req, 'x-forwarded-host')?.split(',')[0]?.trim() ?? header(req, 'host'),
    csrfHeader: header(req, CSRF_HEADER),
  });
  if (!ok) throw new Forbidden(`Cross-site request refused: send the "${CSRF_HEADER}: 1" header or a same-origin Origin.`);
}

export async function actorFor(deps: ApiDeps, req: IncomingMessage): Promise<Actor> {
  const { token, via } = credentialsFrom(req);
  if (via === 'cookie') assertCsrf(req);
  return authenticateToken(deps.ctx, token);
}
