import { autoscaleEvents, disableAutoscale, listAutoscale, setAutoscale } from '@gantry/control';
import { InvalidInput } from '@gantry/core';
import type { AutoscaleEventView } from '@gantry/api-client';
import type { AutoscaleEvent } from '@gantry/db';
import type { Router } from '../../http/router';
import { readJson } from '../../http/body';
import { sendJson } from '../../http/respond';
import { actorFor } from '../auth';
import type { ApiDeps } from '../deps';

function eventView(e: AutoscaleEvent): AutoscaleEventView {
  return { type: e.type, from: e.from, to: e.to, metric: e.metric as AutoscaleEventView['metric'], observed: e.observed, target: e.target, reason: e.reason, createdAt: e.createdAt.toISOString() };
}

/** autoscale, autoscale TYPE --min --max --p95|--rps|--cpu, autoscale:disable TYPE, autoscale:events. */
export function autoscaleRoutes(r: Router<ApiDeps>): void {
  r.add('GET', '/apps/:app/autoscale', async (deps, { req, res, params }) => {
    sendJson(res, 200, await listAutoscale(deps.ctx, await actorFor(deps, req), params.app!));
  });

  /** Body: { "min": 1, "max": 8, "metric": "p95" | "rps" | "cpu", "target": 300 } (ms, requests/s per instance, CPU %). */
  r.add('PUT', '/apps/:app/autoscale/:type', async (deps, { req, res, params }) => {
    const actor = await actorFor(deps, req);
    const body = await readJson(req, deps.config.GANTRY_MAX_API_BODY);
    const extra = Object.keys(body).filter((k) => !['min', 'max', 'metric', 'target'].includes(k));
    if (extra.length) throw new InvalidInput(`Unknown field ${extra.map((k) => JSON.stringify(k)).join(', ')}: send { "min", "max", "metric", "target" }.`);
    sendJson(res, 200, await setAutoscale(deps.ctx, actor, params.app!, params.type!, body));
  });

  r.add('DELETE', '/apps/:app/autoscale/:type', async (deps, { req, res, params }) => {
    sendJson(res, 200, await disableAutoscale(deps.ctx, await actorFor(deps, req), params.app!, params.type!));
  });

  /** ?limit=N (default 50, newest first). */
  r.add('GET', '/apps/:app/autoscale/events', async (deps, { req, res, params, query }) => {
    const raw = query.get('limit');
    const limit = raw === null ? 50 : Number(raw);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new InvalidInput('"limit" must be a whole number from 1 to 500.', { field: 'limit' });
    const events = await autoscaleEvents(deps.ctx, await actorFor(deps, req), params.app!, limit);
    sendJson(res, 200, events.map(eventView));
  });
}
