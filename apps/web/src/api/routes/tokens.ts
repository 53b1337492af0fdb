/** The caller's API tokens: GET/POST /tokens, DELETE /tokens/:id (`gantry authorizations`). */
import type { NewTokenView, TokenView } from '@gantry/api-client';
import { createToken, listTokens, revokeToken } from '@gantry/control';
import type { Router } from '../../http/router';
import { readJson } from '../../http/body';
import { sendJson } from '../../http/respond';
import { actorFor } from '../auth';
import type { ApiDeps } from '../deps';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function tokenView(t: { id: string; name: string; createdAt: Date; lastUsedAt: Date | null; expiresAt: Date | null }, currentId?: string): TokenView {
  return { id: t.id, name: t.name, createdAt: t.createdAt.toISOString(), lastUsedAt: iso(t.lastUsedAt), expiresAt: iso(t.expiresAt), current: t.id === currentId };
}

export function tokenRoutes(r: Router<ApiDeps>): void {
  r.add('GET', '/tokens', async (deps, { req, res }) => {
    const actor = await actorFor(deps, req);
    sendJson(res, 200, (await listTokens(deps.ctx, actor)).map((t) => tokenView(t, actor.tokenId)));
  });

  /** Body: { name, expiresInDays? }. The secret is in this answer only. */
  r.add('POST', '/tokens', async (deps, { req, res }) => {
    const actor = await actorFor(deps, req);
    const body = await readJson(req, deps.config.GANTRY_MAX_API_BODY);
    const t = await createToken(deps.ctx, actor, { name: body.name, expiresInDays: body.expiresInDays });
    const view: NewTokenView = { ...tokenView({ ...t, lastUsedAt: null }), token: t.token };
    sendJson(res, 201, view);
  });

  r.add('DELETE', '/tokens/:id', async (deps, { req, res, params }) => {
    const actor = await actorFor(deps, req);
    await revokeToken(deps.ctx, actor, params.id!);
    res.writeHead(204).end();
  });
}
