import { appFor } from '@gantry/control';
import type { Router } from '../../http/router';
import { sendJson } from '../../http/respond';
import { actorFor } from '../auth';
import type { ApiDeps } from '../deps';
import { instanceView } from '../views';

export function psRoutes(r: Router<ApiDeps>): void {
  r.add('GET', '/apps/:app/ps', async (deps, { req, res, params }) => {
    const actor = await actorFor(deps, req);
    const app = await appFor(deps.ctx, actor, params.app!, 'read');
    const instances = await deps.instances.list(app.id);
    sendJson(res, 200, instances.map(instanceView));
  });
}
