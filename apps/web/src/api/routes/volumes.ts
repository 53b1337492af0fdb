import { InvalidInput } from '@gantry/core';
import { createVolume, destroyVolume, listAppVolumes, listVolumes, mountVolume, moveVolume, unmountVolume } from '@gantry/control';
import type { Router } from '../../http/router';
import { readJson } from '../../http/body';
import { sendJson } from '../../http/respond';
import { actorFor } from '../auth';
import type { ApiDeps } from '../deps';
import { moveView, volumeView } from '../volume-views';

const str = (v: unknown, field: string): string | undefined => {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new InvalidInput(`"${field}" must be a string.`, { field });
  return v;
};

/** Volumes of apps: named, on one host, mounted by one process type (packages/control/src/volumes.ts). */
export function volumeRoutes(r: Router<ApiDeps>): void {
  r.add('GET', '/volumes', async (deps, { req, res }) => {
    sendJson(res, 200, (await listVolumes(deps.ctx, await actorFor(deps, req))).map(volumeView));
  });

  r.add('GET', '/apps/:app/volumes', async (deps, { req, res, params }) => {
    sendJson(res, 200, (await listAppVolumes(deps.ctx, await actorFor(deps, req), params.app!)).map(volumeView));
  });

  /** Body: { name: "data", host?: "host-b" }. Without a host it lives where its first user is placed. */
  r.add('POST', '/apps/:app/volumes', async (deps, { req, res, params }) => {
    const actor = await actorFor(deps, req);
    const body = await readJson(req, deps.config.GANTRY_MAX_API_BODY);
    const name = str(body.name, 'name');
    if (!name) throw new InvalidInput('Send { "name": "data" } (and optionally "host").', { field: 'name' });
    sendJson(res, 201, volumeView(await createVolume(deps.ctx, actor, params.app!, { name, host: str(body.host, 'host') })));
  });

  /** Body: { app, type: "worker", path: "/app/data", concurrent?: false }. The type is re-placed; no release. */
  r.add('POST', '/volumes/:name/mount', async (deps, { req, res, params }) => {
    const actor = await actorFor(deps, req);
    const body = await readJson(req, deps.config.GANTRY_MAX_API_BODY);
    const app = str(body.app, 'app');
    const type = str(body.type, 'type');
    const path = str(body.path, 'path');
    if (!app || !type || !path) throw new InvalidInput('Send { "app": "my-app", "type": "worker", "path": "/app/data" }.', { field: !app ? 'app' : !type ? 'type' : 'path' });
    if (body.concurrent !== undefined && typeof body.concurrent !== 'boolean') throw new InvalidInput('"concurrent" must be true or false.', { field: 'concurrent' });
    sendJson(res, 200, volumeView(await mountVolume(deps.ctx, actor, params.name!, { app, type, path, concurrent: body.concurrent as boolean | undefined })));
  });

  r.add('POST', '/volumes/:name/unmount', async (deps, { req, res, params }) => {
    sendJson(res, 200, volumeView(await unmountVolume(deps.ctx, await actorFor(deps, req), params.name!)));
  });

  /** Body: { to: "host-b" }. Its users stop, the data is copied and checked, they start on the target; answers when done. */
  r.add('POST', '/volumes/:name/move', async (deps, { req, res, params }) => {
    const actor = await actorFor(deps, req);
    const body = await readJson(req, deps.config.GANTRY_MAX_API_BODY);
    const to = str(body.to, 'to');
    if (!to) throw new InvalidInput('Send { "to": "host-b" }: the host to move the volume to.', { field: 'to' });
    sendJson(res, 200, moveView(await moveVolume(deps.ctx, actor, params.name!, to)));
  });

  /** ?confirm=<name> (required); 409 while mounted or when it holds an add-on's data. */
  r.add('DELETE', '/volumes/:name', async (deps, { req, res, params, query }) => {
    await destroyVolume(deps.ctx, await actorFor(deps, req), params.name!, query.get('confirm') ?? undefined);
    res.writeHead(204).end();
  });
}
