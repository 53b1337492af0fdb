import { InvalidInput } from '@gantry/core';
import { login, revokeCurrentToken } from '@gantry/control';
import type { Router } from '../../http/router';
import { readJson } from '../../http/body';
import { sendJson } from '../../http/respond';
import { actorFor } from '../auth';
import type { ApiDeps } from '../deps';
import { userView } from '../views';

export function sessionRoutes(r: Router<ApiDeps>): void {
  r.add('POST', '/auth/login', async (deps, { req, res }) => {
    const body = await readJson(req, deps.config.GANTRY_MAX_API_BODY);
    const { email, password, tokenName } = body;
    if (typeof email !== 'string' || typeof password !== 'string') throw new InvalidInput('Send "email" and "password".');
    const out = await login(deps.ctx, { email, password, tokenName: typeof tokenName === 'string' ? tokenName : undefined });
    sendJson(res, 201, { token: out.token, user: userView({ ...out.user, isAdmin: false }) });
  });

  r.add('POST', '/auth/logout', async (deps, { req, res }) => {
    const actor = await actorFor(deps, req);
    await revokeCurrentToken(deps.ctx, actor);
    res.writeHead(204).end();
  });

  r.add('GET', '/me', async (deps, { req, res }) => {
    const actor = await actorFor(deps, req);
    const user = await deps.ctx.db.user.findUniqueOrThrow({ where: { id: actor.userId } });
    sendJson(res, 200, userView(user));
  });
}
