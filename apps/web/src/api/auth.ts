import type { IncomingMessage } from 'node:http';
import { authenticateToken, type Actor } from '@gantry/control';
import type { ApiDeps } from './deps';

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

export function actorFor(deps: ApiDeps, req: IncomingMessage): Promise<Actor> {
  return authenticateToken(deps.ctx, tokenFrom(req));
}
