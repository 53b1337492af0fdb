import type { HostView } from '@gantry/api-client';
import { parseSize } from '@gantry/config';
import { InvalidInput, type DockerTls } from '@gantry/core';
import { addHost, agentCommand, drainHost, getHost, listHosts, removeHost, sealedTlsOf, setDraining } from '@gantry/control';
import type { Host } from '@gantry/db';
import { hostIsUp } from '@gantry/live';
import type { Router } from '../../http/router';
import { readJson } from '../../http/body';
import { moveView } from '../volume-views';
import { sendJson } from '../../http/respond';
import { actorFor } from '../auth';
import type { ApiDeps } from '../deps';

async function views(deps: ApiDeps, hosts: Host[]): Promise<HostView[]> {
  const beats = await deps.hosts.beats(hosts.map((h) => h.id));
  const allocs = await deps.allocs.all();
  const now = Date.now();
  return hosts.map((h) => {
    const beat = beats.get(h.id);
    const mine = allocs.filter((a) => a.hostId === h.id && a.desired === 'run');
    return {
      id: h.id,
      name: h.name,
      dockerUrl: h.dockerUrl,
      dockerTransport: h.dockerUrl.startsWith('unix:') ? 'unix' : sealedTlsOf(h) ? 'tls' : 'insecure',
      address: h.address,
      labels: h.labels as Record<string, string>,
      cpus: h.cpus,
      memoryBytes: Number(h.memoryBytes),
      managed: h.managed,
      draining: h.draining,
      status: hostIsUp(beat, now, deps.config.GANTRY_HOST_GRACE) ? 'up' : 'down',
      lastSeen: beat ? new Date(beat.at).toISOString() : null,
      dockerError: beat && !beat.dockerOk ? (beat.dockerError ?? 'unreachable') : null,
      usage: beat?.usage ?? null,
      allocated: {
        memoryBytes: mine.reduce((n, a) => n + a.resources.memoryBytes, 0),
        cpuShares: mine.reduce((n, a) => n + a.resources.cpuShares, 0),
        instances: mine.length,
      },
      agentCommand: h.managed ? null : agentCommand(h, deps.config.REDIS_URL.replace(/\/\/[^@]*@/, '//<redis credentials>@')),
    };
  });
}

export function hostRoutes(r: Router<ApiDeps>): void {
  r.add('GET', '/hosts', async (deps, { req, res }) => {
    const actor = await actorFor(deps, req);
    sendJson(res, 200, await views(deps, await listHosts(deps.ctx, actor)));
  });

  /**
   * Body: { name, dockerUrl, address, labels?: {k: v}, cpus?, memory?: "4g", remote?,
   * tls?: { ca, cert, key } (PEM), insecure?: true (plain tcp:// accepted) }.
   */
  r.add('POST', '/hosts', async (deps, { req, res }) => {
    const actor = await actorFor(deps, req);
    const b = await readJson(req, deps.config.GANTRY_MAX_API_BODY);
    for (const f of ['name', 'dockerUrl', 'address'] as const) if (typeof b[f] !== 'string') throw new InvalidInput(`"${f}" is required.`);
    if (b.labels !== undefined && (typeof b.labels !== 'object' || b.labels === null || Array.isArray(b.labels))) throw new InvalidInput('"labels" must be an object.');
    if (b.cpus !== undefined && typeof b.cpus !== 'number') throw new InvalidInput('"cpus" must be a number.');
    if (b.insecure !== undefined && typeof b.insecure !== 'boolean') throw new InvalidInput('"insecure" must be true or false.');
    let tls: DockerTls | undefined;
    if (b.tls !== undefined && b.tls !== null) {
      const t = b.tls as Record<string, unknown>;
      if (typeof t !== 'object' || Array.isArray(t) || !['ca', 'cert', 'key'].every((k) => typeof t[k] === 'string')) {
        throw new InvalidInput('"tls" must be { "ca": PEM, "cert": PEM, "key": PEM }.');
      }
      tls = { ca: t.ca as string, cert: t.cert as string, key: t.key as string };
    }
    let memoryBytes: number | undefined;
    if (b.memory !== undefined) {
      memoryBytes = typeof b.memory === 'string' ? parseSize(b.memory) : undefined;
      if (memoryBytes === undefined) throw new InvalidInput('"memory" must be a size like 4g or 512m.');
    }
    const host = await addHost(
      deps.ctx,
      actor,
      {
        name: b.name as string,
        dockerUrl: b.dockerUrl as string,
        address: b.address as string,
        labels: (b.labels as Record<string, string> | undefined) ?? {},
        ...(b.cpus !== undefined ? { cpus: b.cpus as number } : {}),
        ...(memoryBytes !== undefined ? { memoryBytes } : {}),
        remote: b.remote === true,
        ...(tls ? { tls } : {}),
        insecure: b.insecure === true,
      },
      deps.probeEngine,
      { secret: deps.config.GANTRY_SECRET, network: deps.network },
    );
    sendJson(res, 201, (await views(deps, [host]))[0]);
  });

  r.add('GET', '/hosts/:name', async (deps, { req, res, params }) => {
    const actor = await actorFor(deps, req);
    const host = await getHost(deps.ctx, actor, params.name!);
    const [view] = await views(deps, [host]);
    const allocs = (await deps.allocs.all()).filter((a) => a.hostId === host.id);
    const states = await deps.allocs.states(allocs.map((a) => a.id));
    const apps = new Map((await deps.ctx.db.app.findMany({ where: { id: { in: [...new Set(allocs.map((a) => a.appId))] } }, select: { id: true, name: true } })).map((a) => [a.id, a.name]));
    sendJson(res, 200, {
      ...view,
      instances: allocs.map((a) => ({ app: apps.get(a.appId) ?? a.appId, process: `${a.type}.${a.index}`, state: states.get(a.id)?.status ?? 'pending', desired: a.desired })),
    });
  });

  /**
   * Body (optional): { move: true } moves the volumes and add-ons the host holds to other hosts
   * first; without it a host that holds any is refused (409, with the list and the commands).
   */
  r.add('POST', '/hosts/:name/drain', async (deps, { req, res, params }) => {
    const actor = await actorFor(deps, req);
    const body = await readJson(req, deps.config.GANTRY_MAX_API_BODY);
    if (body.move !== undefined && typeof body.move !== 'boolean') throw new InvalidInput('"move" must be true or false.', { field: 'move' });
    const { host, moved } = await drainHost(deps.ctx, actor, params.name!, { move: body.move === true });
    sendJson(res, 200, { ...(await views(deps, [host]))[0], moved: moved.map((m) => moveView(m, m.method)) });
  });

  r.add('DELETE', '/hosts/:name/drain', async (deps, { req, res, params }) => {
    const actor = await actorFor(deps, req);
    sendJson(res, 200, (await views(deps, [await setDraining(deps.ctx, actor, params.name!, false)]))[0]);
  });

  r.add('DELETE', '/hosts/:name', async (deps, { req, res, params }) => {
    const actor = await actorFor(deps, req);
    await removeHost(deps.ctx, actor, params.name!, async (hostId) => (await deps.allocs.all()).filter((a) => a.hostId === hostId).length, {
      network: deps.network,
      secret: deps.config.GANTRY_SECRET,
    });
    res.writeHead(204).end();
  });
}
