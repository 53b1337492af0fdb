import { InvalidInput, NotFound } from '@gantry/core';
import { appFor, appForPlacement } from '@gantry/control';
import { MetricsStore, hostIsUp } from '@gantry/live';
import { formatReport } from '@gantry/scheduler-core';
import type { Router } from '../../http/router';
import { sendJson } from '../../http/respond';
import { actorFor } from '../auth';
import type { ApiDeps } from '../deps';
import { instanceView, pendingView } from '../views';

async function hostsById(deps: ApiDeps): Promise<Map<string, { name: string; up: boolean }>> {
  const rows = await deps.ctx.db.host.findMany({ select: { id: true, name: true } });
  const beats = await deps.hosts.beats(rows.map((h) => h.id));
  const now = Date.now();
  return new Map(rows.map((h) => [h.id, { name: h.name, up: hostIsUp(beats.get(h.id), now, deps.config.GANTRY_HOST_GRACE) }]));
}

export function psRoutes(r: Router<ApiDeps>): void {
  /** Every instance of the app (and every slot that could not be placed), as `gantry ps` shows them. */
  r.add('GET', '/apps/:app/ps', async (deps, { req, res, params }) => {
    const actor = await actorFor(deps, req);
    const app = await appFor(deps.ctx, actor, params.app!, 'read');
    const allocs = await deps.allocs.ofApp(app.id);
    const now = Date.now();
    const [states, hosts, pending, releases, samples] = await Promise.all([
      deps.allocs.states(allocs.map((a) => a.id)),
      hostsById(deps),
      deps.allocs.pending(app.id),
      deps.ctx.db.release.findMany({ where: { id: { in: [...new Set(allocs.map((a) => a.releaseId))] } }, select: { id: true, version: true } }),
      new MetricsStore(deps.redis, deps.keys).instanceSamples(app.id, now, allocs.map((a) => a.id)),
    ]);
    const versions = new Map(releases.map((x) => [x.id, x.version]));
    const views = allocs
      .filter((a) => states.get(a.id)?.status !== 'stopped')
      .map((a) => instanceView(a, states.get(a.id) ?? null, versions.get(a.releaseId) ?? null, hosts.get(a.hostId) ?? null, samples.get(a.id) ?? null, now));
    for (const [slot, report] of Object.entries(pending)) views.push(pendingView(slot, report));
    views.sort((x, y) => x.type.localeCompare(y.type) || Number(x.process.split('.')[1]) - Number(y.process.split('.')[1]) || x.since.localeCompare(y.since));
    sendJson(res, 200, views);
  });

  /** Why an instance runs where it runs, or why it could not be placed: every filter and score. */
  r.add('GET', '/apps/:app/ps/:process/explain', async (deps, { req, res, params }) => {
    const actor = await actorFor(deps, req);
    const app = await appForPlacement(deps.ctx, actor, params.app!);
    const process = params.process!;
    if (!/^[a-zA-Z0-9_-]+\.\d+$/.test(process)) throw new InvalidInput(`Name an instance like web.2, not ${JSON.stringify(process)}.`);
    const pending = (await deps.allocs.pending(app.id))[process];
    if (pending) return sendJson(res, 200, { process, placed: false, host: null, lines: formatReport(pending, process), report: pending });
    const [type, index] = process.split('.');
    const allocs = (await deps.allocs.ofApp(app.id)).filter((a) => a.type === type && a.index === Number(index));
    // The instance that serves, else the newest.
    const alloc = allocs.sort((x, y) => Number(y.routed) - Number(x.routed) || y.createdAt - x.createdAt)[0];
    if (!alloc) throw new NotFound('Instance', process);
    const host = (await hostsById(deps)).get(alloc.hostId);
    sendJson(res, 200, { process, placed: true, host: host?.name ?? null, lines: formatReport(alloc.report, process), report: alloc.report });
  });
}
