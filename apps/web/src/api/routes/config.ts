import { InvalidInput } from '@gantry/core';
import { getConfig, setConfig } from '@gantry/control';
import type { Router } from '../../http/router';
import { readJson } from '../../http/body';
import { sendJson } from '../../http/respond';
import { actorFor } from '../auth';
import type { ApiDeps } from '../deps';
import { releaseView } from '../views';

export function configRoutes(r: Router<ApiDeps>): void {
  r.add('GET', '/apps/:app/config', async (deps, { req, res, params }) => {
    const actor = await actorFor(deps, req);
    sendJson(res, 200, await getConfig(deps.ctx, actor, params.app!));
  });

  /** Body: { vars: { KEY: "value" | null } } (null unsets). */
  r.add('PATCH', '/apps/:app/config', async (deps, { req, res, params }) => {
    const actor = await actorFor(deps, req);
    const body = await readJson(req, deps.config.GANTRY_MAX_API_BODY);
    const vars = body.vars;
    if (typeof vars !== 'object' || vars === null || Array.isArray(vars)) throw new InvalidInput('Send { "vars": { "KEY": "value" | null } }.');
    for (const [k, v] of Object.entries(vars)) {
      if (v !== null && typeof v !== 'string') throw new InvalidInput(`Value of ${k} must be a string or null.`);
    }
    const release = await setConfig(deps.ctx, actor, params.app!, vars as Record<string, string | null>);
    const config = await getConfig(deps.ctx, actor, params.app!);
    const app = await deps.ctx.db.app.findUniqueOrThrow({ where: { name: params.app! } });
    sendJson(res, 200, { config, release: release ? releaseView(release, app.currentReleaseId) : null, replaces: release?.replaces ?? null });
  });
}
