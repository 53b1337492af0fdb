import { InvalidInput } from '@gantry/core';
import { restartInstances, type InstanceRequests, type RestartMode } from '@gantry/control';
import { RestartRequests } from '@gantry/live';
import type { Router } from '../../http/router';
import { readJson } from '../../http/body';
import { sendJson } from '../../http/respond';
import { actorFor } from '../auth';
import type { ApiDeps } from '../deps';

/** The use case's port onto the live allocations and the scheduler's restart requests. */
function instanceRequests(deps: ApiDeps): InstanceRequests {
  const requests = new RestartRequests(deps.redis, deps.keys);
  return {
    running: async (appId) => {
      const allocs = (await deps.allocs.ofApp(appId)).filter((a) => a.desired === 'run');
      const states = await deps.allocs.states(allocs.map((a) => a.id));
      return allocs.filter((a) => states.get(a.id)?.status !== 'stopped').map((a) => ({ id: a.id, type: a.type, index: a.index }));
    },
    request: (appId, ids, mode) => requests.request(appId, ids, mode),
  };
}

export function dynoRoutes(r: Router<ApiDeps>): void {
  const handler = (mode: RestartMode) =>
    r.add('POST', `/apps/:app/ps/${mode}`, async (deps, { req, res, params }) => {
      const actor = await actorFor(deps, req);
      const body = await readJson(req, deps.config.GANTRY_MAX_API_BODY);
      if (body.target !== undefined && typeof body.target !== 'string') throw new InvalidInput('"target" must be a process type (web) or an instance (web.2).');
      const target = body.target as string | undefined;
      const { processes } = await restartInstances(deps.ctx, actor, params.app!, { mode, ...(target ? { target } : {}) }, instanceRequests(deps));
      sendJson(res, 202, { processes });
    });
  /** Body: {} (every instance), { "target": "web" } or { "target": "web.2" }. New first, then the old stop. */
  handler('restart');
  /** Body: { "target": "web" } or { "target": "web.2" }: stopped now, then replaced (the formation stays). */
  handler('stop');
}
