/**
 * Custom domains: extra hostnames an app answers at, beside <app>.<apps domain>. A hostname belongs
 * to one app only; names under the apps domain are reserved for apps by name.
 */
import { Conflict, NotFound, checkCustomDomain, type PlatformNames } from '@gantry/core';
import { appFor } from './access';
import { audit } from './audit';
import type { Actor, Ctx } from './context';

export async function listDomains(ctx: Ctx, actor: Actor, appName: string) {
  const app = await appFor(ctx, actor, appName, 'read');
  return { app, domains: await ctx.db.domain.findMany({ where: { appId: app.id }, orderBy: { hostname: 'asc' } }) };
}

/** Claims a hostname for an app; the rules (no IPs, no internal or platform names) are in core's custom-domain.ts. */
export async function addDomain(ctx: Ctx, actor: Actor, appName: string, input: string, platform: PlatformNames) {
  const app = await appFor(ctx, actor, appName, 'write');
  const hostname = checkCustomDomain(input, platform);
  const existing = await ctx.db.domain.findUnique({ where: { hostname } });
  if (existing) {
    throw new Conflict(existing.appId === app.id ? `${hostname} is already a domain of ${app.name}.` : `${hostname} is already in use by another app.`);
  }
  const domain = await ctx.db.domain.create({ data: { hostname, appId: app.id } });
  await ctx.live?.wake(app.id, `domain ${hostname} added`);
  await audit(ctx, actor, app, 'domain.add', hostname);
  return domain;
}

export async function removeDomain(ctx: Ctx, actor: Actor, appName: string, input: string) {
  const app = await appFor(ctx, actor, appName, 'write');
  const hostname = input.trim().toLowerCase().replace(/\.$/, '');
  const domain = await ctx.db.domain.findUnique({ where: { hostname } });
  if (!domain || domain.appId !== app.id) throw new NotFound('Domain', hostname);
  await ctx.db.domain.delete({ where: { id: domain.id } });
  await ctx.live?.wake(app.id, `domain ${hostname} removed`);
  await audit(ctx, actor, app, 'domain.remove', hostname);
  return domain;
}

/** Every hostname the app answers at. */
export async function hostnamesOf(ctx: Pick<Ctx, 'db'>, app: { id: string; name: string }, appsDomain: string): Promise<string[]> {
  const domains = await ctx.db.domain.findMany({ where: { appId: app.id }, select: { hostname: true } });
  return [`${app.name}.${appsDomain}`.toLowerCase(), ...domains.map((d) => d.hostname)];
}
