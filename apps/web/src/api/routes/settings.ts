/**
 * Installation settings (Gantry admins only; core/settings.ts defines the keys):
 *   GET /settings           every setting with its value and help
 *   PUT /settings/:key      { "value": "10.0.0.0/8,192.168.5.0/24" }; "" resets it
 */
import type { SettingView as Setting } from '@gantry/api-client';
import { InvalidInput } from '@gantry/core';
import { listSettings, setSetting, type SettingView } from '@gantry/control';
import { z } from 'zod';
import type { Router } from '../../http/router';
import { readJson } from '../../http/body';
import { sendJson } from '../../http/respond';
import { actorFor } from '../auth';
import type { ApiDeps } from '../deps';

/** The body of PUT /settings/:key (as in openapi.yaml). */
export const SetSettingBody = z.object({ value: z.string().max(4096) }).strict();

const view = (s: SettingView): Setting => ({ key: s.key, value: s.value, help: s.help, updatedAt: s.updatedAt ? s.updatedAt.toISOString() : null });

export function settingRoutes(r: Router<ApiDeps>): void {
  r.add('GET', '/settings', async (deps, { req, res }) => {
    const actor = await actorFor(deps, req);
    sendJson(res, 200, (await listSettings(deps.ctx, actor)).map(view));
  });

  r.add('PUT', '/settings/:key', async (deps, { req, res, params }) => {
    const actor = await actorFor(deps, req);
    const body = SetSettingBody.safeParse(await readJson(req, deps.config.GANTRY_MAX_API_BODY));
    if (!body.success) throw new InvalidInput('Send { "value": "..." } (a string, at most 4096 characters; "" resets the setting).');
    sendJson(res, 200, view(await setSetting(deps.ctx, actor, params.key!, body.data.value)));
  });
}
