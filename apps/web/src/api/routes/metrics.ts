import { appMetrics, parseMetricsWindow } from '@gantry/control';
import { MetricsStore } from '@gantry/live';
import type { Router } from '../../http/router';
import { sendJson } from '../../http/respond';
import { actorFor } from '../auth';
import type { ApiDeps } from '../deps';
import { appMetricsView } from '../views';

export function metricsRoutes(r: Router<ApiDeps>): void {
  /**
   * The app's metrics over the last `window` seconds (10..86400, default 600): per 10 s bucket
   * and merged (requests/s, p50/p95/p99, status classes), plus each instance's latest usage.
   */
  r.add('GET', '/apps/:app/metrics', async (deps, { req, res, params, query }) => {
    const actor = await actorFor(deps, req);
    const window = parseMetricsWindow(query.get('window'));
    const { app, metrics } = await appMetrics(deps.ctx, actor, params.app!, window, new MetricsStore(deps.redis, deps.keys));
    sendJson(res, 200, appMetricsView(app.name, metrics));
  });
}
