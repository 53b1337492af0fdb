import { InvalidInput } from '@gantry/core';
import { addCertificate, addDomain, listCertificates, listDomains, removeCertificate, removeDomain, updateRouterSettings } from '@gantry/control';
import type { Router } from '../../http/router';
import { readJson } from '../../http/body';
import { sendJson } from '../../http/respond';
import { actorFor } from '../auth';
import type { ApiDeps } from '../deps';

/** Custom domains, TLS certificates and router settings of an app. */
export function domainRoutes(r: Router<ApiDeps>): void {
  r.add('GET', '/apps/:app/domains', async (deps, { req, res, params }) => {
    const actor = await actorFor(deps, req);
    const { app, domains } = await listDomains(deps.ctx, actor, params.app!);
    sendJson(res, 200, [
      { hostname: `${app.name}.${deps.config.GANTRY_APPS_DOMAIN}`, kind: 'default', createdAt: app.createdAt.toISOString() },
      ...domains.map((d) => ({ hostname: d.hostname, kind: 'custom', createdAt: d.createdAt.toISOString() })),
    ]);
  });

  r.add('POST', '/apps/:app/domains', async (deps, { req, res, params }) => {
    const actor = await actorFor(deps, req);
    const body = await readJson(req, deps.config.GANTRY_MAX_API_BODY);
    if (typeof body.hostname !== 'string') throw new InvalidInput('Send { "hostname": "www.example.com" }.');
    const d = await addDomain(deps.ctx, actor, params.app!, body.hostname, {
      appsDomain: deps.config.GANTRY_APPS_DOMAIN,
      publicHost: deps.config.GANTRY_PUBLIC_HOST,
    });
    sendJson(res, 201, { hostname: d.hostname, kind: 'custom', createdAt: d.createdAt.toISOString() });
  });

  r.add('DELETE', '/apps/:app/domains/:hostname', async (deps, { req, res, params }) => {
    const actor = await actorFor(deps, req);
    await removeDomain(deps.ctx, actor, params.app!, params.hostname!);
    res.writeHead(204).end();
  });

  const certView = (c: { id: string; hostnames: string[]; fingerprint: string; notBefore: Date; notAfter: Date; createdAt: Date }) => ({
    id: c.id,
    hostnames: c.hostnames,
    fingerprint: c.fingerprint,
    notBefore: c.notBefore.toISOString(),
    notAfter: c.notAfter.toISOString(),
    createdAt: c.createdAt.toISOString(),
  });

  r.add('GET', '/apps/:app/certs', async (deps, { req, res, params }) => {
    const actor = await actorFor(deps, req);
    sendJson(res, 200, (await listCertificates(deps.ctx, actor, params.app!)).certs.map(certView));
  });

  /** Body: { "cert": "<PEM, chain allowed>", "key": "<PEM>" }. */
  r.add('POST', '/apps/:app/certs', async (deps, { req, res, params }) => {
    const actor = await actorFor(deps, req);
    const body = await readJson(req, deps.config.GANTRY_MAX_API_BODY);
    if (typeof body.cert !== 'string' || typeof body.key !== 'string') throw new InvalidInput('Send { "cert": "<PEM>", "key": "<PEM>" }.');
    const { cert, covered } = await addCertificate(deps.ctx, actor, params.app!, { certPem: body.cert, keyPem: body.key }, { secret: deps.config.GANTRY_SECRET, appsDomain: deps.config.GANTRY_APPS_DOMAIN });
    sendJson(res, 201, { ...certView(cert), covers: covered });
  });

  r.add('DELETE', '/apps/:app/certs/:id', async (deps, { req, res, params }) => {
    const actor = await actorFor(deps, req);
    await removeCertificate(deps.ctx, actor, params.app!, params.id!);
    res.writeHead(204).end();
  });

  const settingsView = (a: { httpsRedirect: boolean; firstByteTimeout: number; idleTimeout: number }) => ({
    httpsRedirect: a.httpsRedirect,
    firstByteTimeout: a.firstByteTimeout,
    idleTimeout: a.idleTimeout,
  });

  r.add('GET', '/apps/:app/router', async (deps, { req, res, params }) => {
    const actor = await actorFor(deps, req);
    const { app } = await listDomains(deps.ctx, actor, params.app!);
    sendJson(res, 200, settingsView(app));
  });

  /** Body: { "httpsRedirect"?: boolean, "firstByteTimeout"?: seconds, "idleTimeout"?: seconds }. */
  r.add('PATCH', '/apps/:app/router', async (deps, { req, res, params }) => {
    const actor = await actorFor(deps, req);
    const b = await readJson(req, deps.config.GANTRY_MAX_API_BODY);
    if (b.httpsRedirect !== undefined && typeof b.httpsRedirect !== 'boolean') throw new InvalidInput('"httpsRedirect" must be true or false.');
    for (const k of ['firstByteTimeout', 'idleTimeout'] as const) if (b[k] !== undefined && typeof b[k] !== 'number') throw new InvalidInput(`"${k}" must be a number of seconds.`);
    const app = await updateRouterSettings(deps.ctx, actor, params.app!, {
      ...(b.httpsRedirect !== undefined ? { httpsRedirect: b.httpsRedirect as boolean } : {}),
      ...(b.firstByteTimeout !== undefined ? { firstByteTimeout: b.firstByteTimeout as number } : {}),
      ...(b.idleTimeout !== undefined ? { idleTimeout: b.idleTimeout as number } : {}),
    });
    sendJson(res, 200, settingsView(app));
  });
}
