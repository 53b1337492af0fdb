import { InvalidInput } from '@gantry/core';
import {
  moveAddon,
  addonDetails,
  scheduleBackups,
  unscheduleBackups,
  attachAddon,
  backupDownload,
  captureBackup,
  createAddon,
  destroyAddon,
  detachAddon,
  getAddon,
  getBackup,
  listAddons,
  listAppAddons,
  listBackups,
  restoreBackup,
  rotateCredentials,
  type AddonChange,
} from '@gantry/control';
import type { AddonChangeView, AddonDetailsView } from '@gantry/api-client';
import type { Router } from '../../http/router';
import { readJson } from '../../http/body';
import { sendJson } from '../../http/respond';
import { actorFor } from '../auth';
import type { ApiDeps } from '../deps';
import { addonView, backupView } from '../addon-views';
import { moveView } from '../volume-views';

const str = (v: unknown, field: string): string | undefined => {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new InvalidInput(`"${field}" must be a string.`, { field });
  return v;
};

const changeView = (c: AddonChange): AddonChangeView => ({ addon: addonView(c.addon), releases: c.releases });

/** Add-ons (Postgres, Redis) of a team, their attachments to apps, and their backups. */
export function addonRoutes(r: Router<ApiDeps>): void {
  r.add('GET', '/addons', async (deps, { req, res }) => {
    sendJson(res, 200, (await listAddons(deps.ctx, await actorFor(deps, req))).map(addonView));
  });

  r.add('GET', '/apps/:app/addons', async (deps, { req, res, params }) => {
    sendJson(res, 200, (await listAppAddons(deps.ctx, await actorFor(deps, req), params.app!)).map(addonView));
  });

  /** Body: { kind: "postgres"|"redis", as?: "DATABASE", plan?: "small"|"medium"|"large", constraints?: ["disk=ssd"], ha?: true }. Returns once the server answers. */
  r.add('POST', '/apps/:app/addons', async (deps, { req, res, params }) => {
    const actor = await actorFor(deps, req);
    const body = await readJson(req, deps.config.GANTRY_MAX_API_BODY);
    const kind = str(body.kind, 'kind');
    if (!kind) throw new InvalidInput('Send { "kind": "postgres" } (or "redis").', { field: 'kind' });
    const constraints = body.constraints;
    if (constraints !== undefined && (!Array.isArray(constraints) || constraints.some((c) => typeof c !== 'string'))) throw new InvalidInput('"constraints" must be a list of strings like "disk=ssd".', { field: 'constraints' });
    if (body.ha !== undefined && typeof body.ha !== 'boolean') throw new InvalidInput('"ha" must be true or false.', { field: 'ha' });
    const change = await createAddon(deps.ctx, actor, params.app!, { kind, as: str(body.as, 'as'), plan: str(body.plan, 'plan'), constraints: constraints as string[] | undefined, ha: body.ha as boolean | undefined });
    sendJson(res, 201, changeView(change));
  });

  r.add('GET', '/addons/:name', async (deps, { req, res, params }) => {
    sendJson(res, 200, addonView(await getAddon(deps.ctx, await actorFor(deps, req), params.name!)));
  });

  /** ?confirm=<name> (required); ?withoutBackup=1 only to destroy a server that cannot be backed up (its host is gone). */
  r.add('DELETE', '/addons/:name', async (deps, { req, res, params, query }) => {
    const actor = await actorFor(deps, req);
    const result = await destroyAddon(deps.ctx, actor, params.name!, query.get('confirm') ?? undefined, { withoutBackup: query.get('withoutBackup') === '1' });
    sendJson(res, 200, { addon: result.addon, finalBackup: result.finalBackup ? backupView(result.finalBackup) : null });
  });

  /** Body: { app: "other-app", as?: "DATABASE" }. */
  r.add('POST', '/addons/:name/attachments', async (deps, { req, res, params }) => {
    const actor = await actorFor(deps, req);
    const body = await readJson(req, deps.config.GANTRY_MAX_API_BODY);
    const app = str(body.app, 'app');
    if (!app) throw new InvalidInput('Send { "app": "<app name>" }.', { field: 'app' });
    sendJson(res, 201, changeView(await attachAddon(deps.ctx, actor, params.name!, app, str(body.as, 'as'))));
  });

  r.add('DELETE', '/addons/:name/attachments/:app', async (deps, { req, res, params }) => {
    sendJson(res, 200, changeView(await detachAddon(deps.ctx, await actorFor(deps, req), params.name!, params.app!)));
  });

  /** Body: { to: "host-b" }. Redis: stop, copy, start. Postgres: a standby catches up, then takes over. Answers when done. */
  r.add('POST', '/addons/:name/move', async (deps, { req, res, params }) => {
    const actor = await actorFor(deps, req);
    const body = await readJson(req, deps.config.GANTRY_MAX_API_BODY);
    if (typeof body.to !== 'string' || !body.to) throw new InvalidInput('Send { "to": "host-b" }: the host to move the add-on to.', { field: 'to' });
    const r = await moveAddon(deps.ctx, actor, params.name!, body.to);
    sendJson(res, 200, moveView(r, r.method, r.volume));
  });

  r.add('POST', '/addons/:name/credentials/rotate', async (deps, { req, res, params }) => {
    sendJson(res, 200, changeView(await rotateCredentials(deps.ctx, await actorFor(deps, req), params.name!)));
  });

  r.add('GET', '/addons/:name/details', async (deps, { req, res, params }) => {
    const d = await addonDetails(deps.ctx, await actorFor(deps, req), params.name!);
    const view: AddonDetailsView = { ...addonView(d), version: d.version, sizeBytes: d.sizeBytes, connections: d.connections, tables: d.tables, keys: d.keys, problem: d.problem };
    sendJson(res, 200, view);
  });

  /** Body: { at: "02:00" (UTC), keep: 7 }. */
  r.add('PUT', '/addons/:name/backups/schedule', async (deps, { req, res, params }) => {
    const actor = await actorFor(deps, req);
    const body = await readJson(req, deps.config.GANTRY_MAX_API_BODY);
    const at = str(body.at, 'at');
    if (!at) throw new InvalidInput('Send { "at": "02:00", "keep": 7 }.', { field: 'at' });
    const keep = body.keep === undefined ? 7 : body.keep;
    if (typeof keep !== 'number') throw new InvalidInput('"keep" must be a number.', { field: 'keep' });
    const addon = await scheduleBackups(deps.ctx, actor, params.name!, at, keep);
    sendJson(res, 200, addonView(await getAddon(deps.ctx, actor, addon.name)));
  });

  r.add('DELETE', '/addons/:name/backups/schedule', async (deps, { req, res, params }) => {
    const actor = await actorFor(deps, req);
    const addon = await unscheduleBackups(deps.ctx, actor, params.name!);
    sendJson(res, 200, addonView(await getAddon(deps.ctx, actor, addon.name)));
  });

  r.add('GET', '/addons/:name/backups', async (deps, { req, res, params }) => {
    sendJson(res, 200, (await listBackups(deps.ctx, await actorFor(deps, req), params.name!)).map(backupView));
  });

  /**
   * Synchronous: answers once the backup is stored (201), or with the reason it failed (500
   * backup_failed). ?verify=1: also checked by a scratch restore first (a failed check: backup_failed).
   */
  r.add('POST', '/addons/:name/backups', async (deps, { req, res, params, query }) => {
    const verify = query.get('verify');
    if (verify !== null && verify !== '0' && verify !== '1') throw new InvalidInput('"verify" must be 0 or 1.', { field: 'verify' });
    sendJson(res, 201, backupView(await captureBackup(deps.ctx, await actorFor(deps, req), params.name!, { verify: verify === '1' })));
  });

  r.add('GET', '/addons/:name/backups/:id', async (deps, { req, res, params }) => {
    sendJson(res, 200, backupView(await getBackup(deps.ctx, await actorFor(deps, req), params.name!, params.id!)));
  });

  /** The file as pg_dump wrote it, checked against its SHA-256 first; the header carries it for the client to check again. */
  r.add('GET', '/addons/:name/backups/:id/download', async (deps, { req, res, params }) => {
    const file = await backupDownload(deps.ctx, await actorFor(deps, req), params.name!, params.id!);
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': file.size,
      'content-disposition': `attachment; filename="${file.filename}"`,
      'x-gantry-sha256': file.sha256,
      'cache-control': 'no-store',
    });
    const stream = file.open();
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  });

  /** Body: { to?: "<add-on name>" } (default: this add-on). Id "latest": the newest succeeded backup. */
  r.add('POST', '/addons/:name/backups/:id/restore', async (deps, { req, res, params }) => {
    const actor = await actorFor(deps, req);
    const body = await readJson(req, deps.config.GANTRY_MAX_API_BODY);
    const id = params.id === 'latest' ? undefined : params.id!;
    sendJson(res, 200, backupView(await restoreBackup(deps.ctx, actor, params.name!, id, str(body.to, 'to'))));
  });
}
