import { InvalidInput, NotFound } from '@gantry/core';
import { getBuild, listBuilds } from '@gantry/control';
import type { Router } from '../../http/router';
import { sendJson } from '../../http/respond';
import { actorFor } from '../auth';
import type { ApiDeps } from '../deps';
import { buildView } from '../views';

export function buildRoutes(r: Router<ApiDeps>): void {
  r.add('GET', '/apps/:app/builds', async (deps, { req, res, params }) => {
    const actor = await actorFor(deps, req);
    const { builds } = await listBuilds(deps.ctx, actor, params.app!);
    sendJson(res, 200, builds.map((b) => buildView(b)));
  });

  r.add('GET', '/apps/:app/builds/:number', async (deps, { req, res, params }) => {
    const actor = await actorFor(deps, req);
    const n = Number(params.number);
    if (!Number.isInteger(n) || n < 1) throw new InvalidInput(`Invalid build number ${JSON.stringify(params.number)}.`);
    const { build } = await getBuild(deps.ctx, actor, params.app!, n);
    if (!build) throw new NotFound('Build', String(n));
    sendJson(res, 200, buildView(build, true));
  });
}
