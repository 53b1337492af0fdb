import { InvalidInput } from '@gantry/core';
import { listFormation, parseConstraints, setConstraints, setDeployBatch, setSleep, updateFormation } from '@gantry/control';
import type { Router } from '../../http/router';
import { readJson } from '../../http/body';
import { sendJson } from '../../http/respond';
import { actorFor } from '../auth';
import type { ApiDeps } from '../deps';
import { formationEntryView } from '../views';

async function view(deps: ApiDeps, appId: string, formation: Awaited<ReturnType<typeof listFormation>>['formation']) {
  const app = await deps.ctx.db.app.findUniqueOrThrow({ where: { id: appId } });
  const rel = app.currentReleaseId ? await deps.ctx.db.release.findUnique({ where: { id: app.currentReleaseId } }) : null;
  return formation.map((f) => formationEntryView(f, (rel?.processTypes ?? {}) as Record<string, string>));
}

export function formationRoutes(r: Router<ApiDeps>): void {
  r.add('GET', '/apps/:app/formation', async (deps, { req, res, params }) => {
    const actor = await actorFor(deps, req);
    const { app, formation } = await listFormation(deps.ctx, actor, params.app!);
    sendJson(res, 200, await view(deps, app.id, formation));
  });

  /** Body: { "web": { "quantity": 3, "size": "standard-2x" }, ... } (ps:scale, ps:type). */
  r.add('PATCH', '/apps/:app/formation', async (deps, { req, res, params }) => {
    const actor = await actorFor(deps, req);
    const body = await readJson(req, deps.config.GANTRY_MAX_API_BODY);
    const changes: Record<string, { quantity?: number; size?: string }> = {};
    for (const [type, c] of Object.entries(body)) {
      if (typeof c !== 'object' || c === null) throw new InvalidInput(`Send { "${type}": { "quantity": N, "size": "NAME" } }.`);
      const { quantity, size } = c as Record<string, unknown>;
      if (quantity !== undefined && typeof quantity !== 'number') throw new InvalidInput(`Quantity of ${type} must be a number.`);
      if (size !== undefined && typeof size !== 'string') throw new InvalidInput(`Size of ${type} must be a name like standard-1x.`);
      changes[type] = { ...(quantity !== undefined ? { quantity } : {}), ...(size !== undefined ? { size } : {}) };
    }
    const { app, formation } = await updateFormation(deps.ctx, actor, params.app!, changes);
    sendJson(res, 200, await view(deps, app.id, formation));
  });

  /** Body: { "constraints": ["region=eu", "disk!=hdd"] } ([] clears). */
  r.add('PUT', '/apps/:app/formation/:type/constraints', async (deps, { req, res, params }) => {
    const actor = await actorFor(deps, req);
    const body = await readJson(req, deps.config.GANTRY_MAX_API_BODY);
    if (!Array.isArray(body.constraints) || !body.constraints.every((c) => typeof c === 'string')) {
      throw new InvalidInput('Send { "constraints": ["label=value", "label!=value"] }.');
    }
    const { app, formation } = await setConstraints(deps.ctx, actor, params.app!, params.type!, parseConstraints(body.constraints as string[]));
    sendJson(res, 200, await view(deps, app.id, formation));
  });

  /** Body: { "after": "30m" } | { "now": true } | { "off": true } (ps:sleep). */
  r.add('PUT', '/apps/:app/formation/:type/sleep', async (deps, { req, res, params }) => {
    const actor = await actorFor(deps, req);
    const body = await readJson(req, deps.config.GANTRY_MAX_API_BODY);
    for (const flag of ['off', 'now'] as const) {
      if (body[flag] !== undefined && typeof body[flag] !== 'boolean') throw new InvalidInput(`"${flag}" must be true or false.`, { field: flag });
    }
    const entry = await setSleep(deps.ctx, actor, params.app!, params.type!, { after: body.after, off: body.off as boolean | undefined, now: body.now as boolean | undefined });
    const { app, formation } = await listFormation(deps.ctx, actor, params.app!);
    sendJson(res, 200, (await view(deps, app.id, formation)).find((f) => f.type === entry.type));
  });

  /** Body: { "batch": 2 } or { "batch": null } (all at once). */
  r.add('PUT', '/apps/:app/deploy-batch', async (deps, { req, res, params }) => {
    const actor = await actorFor(deps, req);
    const body = await readJson(req, deps.config.GANTRY_MAX_API_BODY);
    if (body.batch !== null && typeof body.batch !== 'number') throw new InvalidInput('Send { "batch": N } or { "batch": null }.');
    const app = await setDeployBatch(deps.ctx, actor, params.app!, body.batch as number | null);
    sendJson(res, 200, { batch: app.deployBatch });
  });
}
