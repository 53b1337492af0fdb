/** GET /teams/:team/audit?limit=N: the team's audit log, newest first (owners and admins). */
import type { AuditEventView } from '@gantry/api-client';
import { InvalidInput } from '@gantry/core';
import { listAudit } from '@gantry/control';
import type { AuditEvent } from '@gantry/db';
import type { Router } from '../../http/router';
import { sendJson } from '../../http/respond';
import { actorFor } from '../auth';
import type { ApiDeps } from '../deps';

export function auditEventView(e: AuditEvent, appNames: Map<string, string>): AuditEventView {
  return {
    id: e.id,
    time: e.createdAt.toISOString(),
    actor: e.actorEmail,
    action: e.action,
    target: e.target,
    app: e.appId ? (appNames.get(e.appId) ?? null) : null,
    details: (e.details ?? {}) as Record<string, unknown>,
  };
}

export function auditRoutes(r: Router<ApiDeps>): void {
  r.add('GET', '/teams/:team/audit', async (deps, { req, res, params, query }) => {
    const actor = await actorFor(deps, req);
    const limit = Number(query.get('limit') ?? 100);
    if (!Number.isInteger(limit)) throw new InvalidInput('"limit" must be a whole number.');
    const { events } = await listAudit(deps.ctx, actor, params.team!, limit);
    const ids = [...new Set(events.map((e) => e.appId).filter((x): x is string => Boolean(x)))];
    const apps = await deps.ctx.db.app.findMany({ where: { id: { in: ids } }, select: { id: true, name: true } });
    sendJson(res, 200, events.map((e) => auditEventView(e, new Map(apps.map((a) => [a.id, a.name])))));
  });
}
