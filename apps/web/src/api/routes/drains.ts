import { InvalidInput } from '@gantry/core';
import { addDrain, listDrains, removeDrain } from '@gantry/control';
import { publishDrainsChanged, readDrainStats, type DrainStats } from '@gantry/live';
import type { DrainView } from '@gantry/api-client';
import type { Router } from '../../http/router';
import { readJson } from '../../http/body';
import { sendJson } from '../../http/respond';
import { actorFor } from '../auth';
import type { ApiDeps } from '../deps';

type DrainRow = { id: string; url: string; token: string; createdAt: Date };

function drainView(d: DrainRow, stats?: DrainStats): DrainView {
  const view: DrainView = { id: d.id, url: d.url, token: d.token, createdAt: d.createdAt.toISOString() };
  if (stats) view.stats = { delivered: stats.delivered, dropped: stats.dropped, queued: stats.queued, ...(stats.error ? { error: stats.error } : {}), at: new Date(stats.at).toISOString() };
  return view;
}

/** Log drains of an app: where its log stream is forwarded (by the drains service). */
export function drainRoutes(r: Router<ApiDeps>): void {
  const notify = (deps: ApiDeps) => (appId: string) => publishDrainsChanged(deps.redis, deps.keys.prefix, appId);

  r.add('GET', '/apps/:app/drains', async (deps, { req, res, params }) => {
    const actor = await actorFor(deps, req);
    const { drains } = await listDrains(deps.ctx, actor, params.app!);
    const stats = await readDrainStats(deps.redis, deps.keys.prefix, drains.map((d) => d.id)).catch(() => new Map<string, DrainStats>());
    sendJson(res, 200, drains.map((d) => drainView(d, stats.get(d.id))));
  });

  /** Body: { "url": "syslog+tls://logs.example.com:6514" }. */
  r.add('POST', '/apps/:app/drains', async (deps, { req, res, params }) => {
    const actor = await actorFor(deps, req);
    const body = await readJson(req, deps.config.GANTRY_MAX_API_BODY);
    if (typeof body.url !== 'string') throw new InvalidInput('Send { "url": "syslog+tls://host:port" } (or an https:// URL).');
    const d = await addDrain(deps.ctx, actor, params.app!, body.url, notify(deps));
    sendJson(res, 201, drainView(d));
  });

  /** `:id` is the drain's id, token or URL (URL-encoded). */
  r.add('DELETE', '/apps/:app/drains/:id', async (deps, { req, res, params }) => {
    const actor = await actorFor(deps, req);
    await removeDrain(deps.ctx, actor, params.app!, params.id!, notify(deps));
    res.writeHead(204).end();
  });
}
