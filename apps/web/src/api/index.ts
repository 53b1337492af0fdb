import type { IncomingMessage, ServerResponse } from 'node:http';
import { Router } from '../http/router';
import { refuseWritesWithoutRedis } from '../http/outage';
import { sendError, sendJson } from '../http/respond';
import type { ApiDeps } from './deps';
import { appStateRoutes } from './routes/app-states';
import { appRoutes } from './routes/apps';
import { buildOutputRoutes } from './routes/build-output';
import { buildRoutes } from './routes/builds';
import { buildpackRoutes } from './routes/buildpacks';
import { configRoutes } from './routes/config';
import { cronRoutes } from './routes/cron';
import { domainRoutes } from './routes/domains';
import { addonRoutes } from './routes/addons';
import { volumeRoutes } from './routes/volumes';
import { dynoRoutes } from './routes/dynos';
import { drainRoutes } from './routes/drains';
import { formationRoutes } from './routes/formation';
import { autoscaleRoutes } from './routes/autoscale';
import { hostRoutes } from './routes/hosts';
import { healthRoutes } from './routes/health';
import { logRoutes } from './routes/logs';
import { metricsRoutes } from './routes/metrics';
import { instanceMetricsRoutes } from './routes/metrics-instances';
import { openapiRoutes } from './routes/openapi';
import { psRoutes } from './routes/ps';
import { releaseRoutes } from './routes/releases';
import { sessionRoutes } from './routes/session';
import { settingRoutes } from './routes/settings';
import { teamRoutes } from './routes/teams';
import { tokenRoutes } from './routes/tokens';
import { auditRoutes } from './routes/audit';

export const API_PREFIX = '/api/v1';

export function apiRouter(): Router<ApiDeps> {
  const r = new Router<ApiDeps>();
  healthRoutes(r);
  openapiRoutes(r);
  sessionRoutes(r);
  appRoutes(r);
  configRoutes(r);
  releaseRoutes(r);
  buildRoutes(r);
  buildpackRoutes(r);
  buildOutputRoutes(r);
  appStateRoutes(r);
  psRoutes(r);
  dynoRoutes(r);
  formationRoutes(r);
  autoscaleRoutes(r);
  hostRoutes(r);
  domainRoutes(r);
  addonRoutes(r);
  volumeRoutes(r);
  logRoutes(r);
  metricsRoutes(r);
  instanceMetricsRoutes(r);
  drainRoutes(r);
  cronRoutes(r);
  teamRoutes(r);
  tokenRoutes(r);
  auditRoutes(r);
  settingRoutes(r);
  return r;
}

/**
 * Serves one /api/v1 request: route, run the handler, map errors at this edge. A change is
 * refused up front while Redis is down, so that "nothing was changed" holds.
 */
export async function handleApi(router: Router<ApiDeps>, deps: ApiDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://api');
  const path = url.pathname.slice(API_PREFIX.length) || '/';
  try {
    const m = router.match(req.method ?? 'GET', path);
    if ('allowed' in m) {
      res.setHeader('allow', m.allowed.join(', '));
      return sendJson(res, 405, { error: { id: 'method_not_allowed', message: `Use ${m.allowed.join(' or ')} for ${path}.` } });
    }
    refuseWritesWithoutRedis(req.method ?? 'GET', deps.redis.status);
    await m.handler(deps, { req, res, params: m.params, query: url.searchParams });
  } catch (err) {
    sendError(res, err, deps.log);
  }
}
