/**
 * TLS certificates of an app, served by the routers by SNI on the HTTPS port. A certificate is
 * accepted only when it parses, matches its key, is valid now, and covers one of the app's
 * hostnames; its private key is stored sealed with the installation secret.
 */
import { InvalidInput, NotFound, inspectCertificate, nameCovers, seal } from '@gantry/core';
import { appFor } from './access';
import { audit } from './audit';
import type { Actor, Ctx } from './context';
import { hostnamesOf } from './domains';

export async function listCertificates(ctx: Ctx, actor: Actor, appName: string) {
  const app = await appFor(ctx, actor, appName, 'read');
  const certs = await ctx.db.certificate.findMany({ where: { appId: app.id }, orderBy: { createdAt: 'asc' }, omit: { keyEncrypted: true } });
  return { app, certs };
}

export async function addCertificate(ctx: Ctx, actor: Actor, appName: string, input: { certPem: string; keyPem: string }, opts: { secret: string; appsDomain: string }) {
  const app = await appFor(ctx, actor, appName, 'write');
  const info = inspectCertificate(input.certPem, input.keyPem);
  const hostnames = await hostnamesOf(ctx, app, opts.appsDomain);
  const covered = hostnames.filter((h) => info.hostnames.some((n) => nameCovers(n, h)));
  if (covered.length === 0) {
    throw new InvalidInput(
      `The certificate covers ${info.hostnames.join(', ')}, none of which is a hostname of ${app.name} (${hostnames.join(', ')}). Add the domain first: gantry domains:add NAME`,
    );
  }
  const cert = await ctx.db.certificate.create({
    data: {
      appId: app.id,
      hostnames: info.hostnames,
      certPem: info.certPem,
      keyEncrypted: seal(input.keyPem, opts.secret),
      fingerprint: info.fingerprint,
      notBefore: info.notBefore,
      notAfter: info.notAfter,
    },
    omit: { keyEncrypted: true },
  });
  await ctx.live?.certsChanged?.(app.id);
  await audit(ctx, actor, app, 'cert.add', cert.fingerprint, { hostnames: info.hostnames });
  return { cert, covered };
}

export async function removeCertificate(ctx: Ctx, actor: Actor, appName: string, id: string) {
  const app = await appFor(ctx, actor, appName, 'write');
  // By id, or by the SHA-256 fingerprint `certs` shows (never an empty filter: that would match all).
  const where = /^[0-9a-f]{8}-[0-9a-f-]{27}$/.test(id) ? { appId: app.id, id } : { appId: app.id, fingerprint: id.toUpperCase() };
  const cert = await ctx.db.certificate.findFirst({ where });
  if (!cert) throw new NotFound('Certificate', id);
  await ctx.db.certificate.delete({ where: { id: cert.id } });
  await ctx.live?.certsChanged?.(app.id);
  await audit(ctx, actor, app, 'cert.remove', cert.fingerprint, { hostnames: cert.hostnames });
  return cert;
}

/** Router settings of an app: HTTPS redirect and timeouts (seconds). */
export async function updateRouterSettings(ctx: Ctx, actor: Actor, appName: string, input: { httpsRedirect?: boolean; firstByteTimeout?: number; idleTimeout?: number }) {
  const app = await appFor(ctx, actor, appName, 'write');
  for (const [name, v] of [['first byte timeout', input.firstByteTimeout], ['idle timeout', input.idleTimeout]] as const) {
    if (v !== undefined && (!Number.isInteger(v) || v < 1 || v > 3600)) throw new InvalidInput(`The ${name} must be whole seconds from 1 to 3600.`);
  }
  const updated = await ctx.db.app.update({
    where: { id: app.id },
    data: {
      ...(input.httpsRedirect !== undefined ? { httpsRedirect: input.httpsRedirect } : {}),
      ...(input.firstByteTimeout !== undefined ? { firstByteTimeout: input.firstByteTimeout } : {}),
      ...(input.idleTimeout !== undefined ? { idleTimeout: input.idleTimeout } : {}),
    },
  });
  await ctx.live?.wake(app.id, 'router settings changed');
  return updated;
}
