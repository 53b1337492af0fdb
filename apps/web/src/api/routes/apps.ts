import { InvalidInput } from '@gantry/core';
import { createApp, destroyApp, getAppInfo, listApps, renameApp } from '@gantry/control';
import type { AppDestroyedView } from '@gantry/api-client';
import type { Router } from '../../http/router';
import { readJson } from '../../http/body';
import { sendJson } from '../../http/respond';
import { actorFor } from '../auth';
import type { ApiDeps } from '../deps';
import { appInfoView, appView } from '../views';

export function appRoutes(r: Router<ApiDeps>): void {
  r.add('GET', '/apps', async (deps, { req, res }) => {
    const actor = await actorFor(deps, req);
    const apps = await listApps(deps.ctx, actor);
    const currentIds = apps.map((a) => a.currentReleaseId).filter((x): x is string => Boolean(x));
    const versions = new Map(
      (await deps.ctx.db.release.findMany({ where: { id: { in: currentIds } }, select: { id: true, version: true } })).map((r) => [r.id, r.version]),
    );
    sendJson(res, 200, apps.map((a) => appView(deps.config, a, a.currentReleaseId ? (versions.get(a.currentReleaseId) ?? null) : null)));
  });

  r.add('POST', '/apps', async (deps, { req, res }) => {
    const actor = await actorFor(deps, req);
    const body = await readJson(req, deps.config.GANTRY_MAX_API_BODY);
    if (body.name !== undefined && typeof body.name !== 'string') throw new InvalidInput('"name" must be a string.');
    if (body.team !== undefined && typeof body.team !== 'string') throw new InvalidInput('"team" must be a string.');
    const app = await createApp(deps.ctx, actor, { name: body.name as string | undefined, team: body.team as string | undefined });
    sendJson(res, 201, appView(deps.config, app));
  });

  r.add('GET', '/apps/:app', async (deps, { req, res, params }) => {
    const actor = await actorFor(deps, req);
    sendJson(res, 200, appInfoView(deps.config, await getAppInfo(deps.ctx, actor, params.app!)));
  });

  /** Body: { "name": "NEW" } (apps:rename). */
  r.add('PATCH', '/apps/:app', async (deps, { req, res, params }) => {
    const actor = await actorFor(deps, req);
    const body = await readJson(req, deps.config.GANTRY_MAX_API_BODY);
    if (typeof body.name !== 'string') throw new InvalidInput('Send { "name": "new-name" }.');
    const { app } = await renameApp(deps.ctx, actor, params.app!, body.name);
    const version = app.currentReleaseId ? (await deps.ctx.db.release.findUnique({ where: { id: app.currentReleaseId }, select: { version: true } }))?.version : null;
    sendJson(res, 200, appView(deps.config, app, version ?? null));
  });

  /**
   * ?confirm=<name>: needed when volumes or add-ons would outlive the app (409 names them). They
   * are kept, and the 200 answer lists them with the commands that destroy them; else 204.
   */
  r.add('DELETE', '/apps/:app', async (deps, { req, res, params, query }) => {
    const actor = await actorFor(deps, req);
    const { app, kept } = await destroyApp(deps.ctx, actor, params.app!, query.get('confirm') ?? undefined);
    if (kept.volumes.length || kept.addons.length) sendJson(res, 200, { app: app.name, kept } satisfies AppDestroyedView);
    else res.writeHead(204).end();
  });
}
