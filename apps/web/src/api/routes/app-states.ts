import type { AllocationState } from '@gantry/scheduler-core';
import { appFor, listApps, roleAllows } from '@gantry/control';
import type { App } from '@gantry/db';
import type { Router } from '../../http/router';
import { sendJson } from '../../http/respond';
import { actorFor } from '../auth';
import type { ApiDeps } from '../deps';
import { appView } from '../views';

export type AppState = 'running' | 'deploying' | 'crashed' | 'idle';

/**
 * One word for an app: deploying while a build or release is under way, crashed when an
 * instance that should run has crashed, running when one is up, idle otherwise.
 */
export function appState(input: { building: boolean; releasing: boolean; instances: (AllocationState['status'] | undefined)[] }): AppState {
  if (input.building || input.releasing) return 'deploying';
  if (input.instances.some((s) => s === 'crashed')) return 'crashed';
  if (input.instances.some((s) => s === 'healthy' || s === 'starting' || s === 'unhealthy')) return 'running';
  return 'idle';
}

/** Each app with its state, instance counts, last deploy and the caller's role in its team. */
async function summaries(deps: ApiDeps, userId: string, apps: App[]) {
  const ids = apps.map((a) => a.id);
  const mine = new Set(ids);
  const allocs = (await deps.allocs.all()).filter((a) => mine.has(a.appId) && a.desired === 'run');
  const [states, currents, latestReleases, latestBuilds, memberships] = await Promise.all([
    deps.allocs.states(allocs.map((a) => a.id)),
    deps.ctx.db.release.findMany({ where: { id: { in: apps.map((a) => a.currentReleaseId).filter((x): x is string => Boolean(x)) } }, select: { id: true, version: true, deployedAt: true, createdAt: true } }),
    deps.ctx.db.release.findMany({ where: { appId: { in: ids } }, orderBy: [{ appId: 'asc' }, { version: 'desc' }], distinct: ['appId'], select: { appId: true, status: true } }),
    deps.ctx.db.build.findMany({ where: { appId: { in: ids } }, orderBy: [{ appId: 'asc' }, { number: 'desc' }], distinct: ['appId'], select: { appId: true, status: true, number: true } }),
    deps.ctx.db.membership.findMany({ where: { userId, teamId: { in: [...new Set(apps.map((a) => a.teamId))] } }, select: { teamId: true, role: true } }),
  ]);
  const current = new Map(currents.map((x) => [x.id, x]));
  const release = new Map(latestReleases.map((x) => [x.appId, x]));
  const build = new Map(latestBuilds.map((x) => [x.appId, x]));
  const roles = new Map(memberships.map((m) => [m.teamId, m.role]));
  return apps.map((a) => {
    const cur = a.currentReleaseId ? current.get(a.currentReleaseId) : undefined;
    const statuses = allocs.filter((x) => x.appId === a.id).map((x) => states.get(x.id)?.status);
    const b = build.get(a.id);
    const rel = release.get(a.id);
    const role = roles.get(a.teamId) ?? null;
    return {
      ...appView(deps.config, a, cur?.version ?? null),
      state: appState({
        building: b?.status === 'queued' || b?.status === 'building',
        releasing: rel?.status === 'pending' || rel?.status === 'deploying',
        instances: statuses,
      }),
      instances: { total: statuses.length, up: statuses.filter((s) => s === 'healthy').length },
      lastDeploy: cur ? (cur.deployedAt ?? cur.createdAt).toISOString() : null,
      latestBuild: b ? { number: b.number, status: b.status } : null,
      role,
      canWrite: roleAllows(role ?? undefined, 'write'),
    };
  });
}

export function appStateRoutes(r: Router<ApiDeps>): void {
  /**
   * The dashboard's app list in one request: every app the caller can see with its state,
   * instance counts, last deploy and the caller's role (GET /apps plus a `ps` per app).
   */
  r.add('GET', '/dashboard/apps', async (deps, { req, res }) => {
    const actor = await actorFor(deps, req);
    sendJson(res, 200, await summaries(deps, actor.userId, await listApps(deps.ctx, actor)));
  });

  /** The same for one app (what the dashboard's app pages show in their header). */
  r.add('GET', '/dashboard/apps/:app', async (deps, { req, res, params }) => {
    const actor = await actorFor(deps, req);
    const app = await appFor(deps.ctx, actor, params.app!, 'read');
    sendJson(res, 200, (await summaries(deps, actor.userId, [app]))[0]);
  });
}
