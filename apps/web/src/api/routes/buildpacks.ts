/**
 * The app's own buildpack list (control/buildpacks.ts; takes effect on the next build):
 *   GET   /apps/:app/buildpacks   { app, buildpacks: [...] }
 *   PATCH /apps/:app/buildpacks   one edit: { action: "add" | "set", url, index? } | { action: "remove", url | index } | { action: "clear" }
 */
import { InvalidInput } from '@gantry/core';
import { changeBuildpacks, listBuildpacks } from '@gantry/control';
import { z } from 'zod';
import type { Router } from '../../http/router';
import { readJson } from '../../http/body';
import { sendJson } from '../../http/respond';
import { actorFor } from '../auth';
import type { ApiDeps } from '../deps';

const url = z.string().min(1).max(2000);
const index = z.number().int().min(1).max(100);

/** The body of PATCH /apps/:app/buildpacks (as in openapi.yaml and api-client's BuildpackEditBody). */
export const EditBuildpacksBody = z.discriminatedUnion('action', [
  z.object({ action: z.literal('add'), url, index: index.optional() }).strict(),
  z.object({ action: z.literal('set'), url, index: index.optional() }).strict(),
  z.object({ action: z.literal('remove'), url: url.optional(), index: index.optional() }).strict(),
  z.object({ action: z.literal('clear') }).strict(),
]);

const HELP = 'Send { "action": "add" | "set", "url": "<name or git URL>", "index"?: N }, { "action": "remove", "url" or "index" } or { "action": "clear" } (indexes start at 1).';

export function buildpackRoutes(r: Router<ApiDeps>): void {
  r.add('GET', '/apps/:app/buildpacks', async (deps, { req, res, params }) => {
    const actor = await actorFor(deps, req);
    sendJson(res, 200, await listBuildpacks(deps.ctx, actor, params.app!));
  });

  r.add('PATCH', '/apps/:app/buildpacks', async (deps, { req, res, params }) => {
    const actor = await actorFor(deps, req);
    const body = EditBuildpacksBody.safeParse(await readJson(req, deps.config.GANTRY_MAX_API_BODY));
    if (!body.success) throw new InvalidInput(HELP);
    sendJson(res, 200, await changeBuildpacks(deps.ctx, actor, params.app!, body.data));
  });
}
