/**
 * Log drains: external collectors an app's log stream is forwarded to (by apps/drains). A
 * destination must be a public address unless an admin allows its range (core/egress). Each
 * drain has a Heroku-like token ("d.<uuid>") sent with every message so the collector can tell
 * drains apart. Changes are announced at once through `notify` (a Redis channel in production).
 */
import { randomUUID } from 'node:crypto';
import { assertDestination, Conflict, InvalidInput, NotFound, parseDrainUrl, parseIp, redactDrainUrl } from '@gantry/core';
import { appFor } from './access';
import { audit } from './audit';
import type { Actor, Ctx } from './context';
import { loadEgressPolicy } from './egress-policy';

/** Tells the forwarder that an app's drains changed. */
export type DrainsChanged = (appId: string) => Promise<void>;

export const MAX_DRAINS_PER_APP = 10;

export async function listDrains(ctx: Ctx, actor: Actor, appName: string) {
  const app = await appFor(ctx, actor, appName, 'read');
  return { app, drains: await ctx.db.logDrain.findMany({ where: { appId: app.id }, orderBy: { createdAt: 'asc' } }) };
}

export async function addDrain(ctx: Ctx, actor: Actor, appName: string, input: string, notify?: DrainsChanged) {
  const app = await appFor(ctx, actor, appName, 'write');
  const { url, target } = parseDrainUrl(input);
  // An IP literal that may not be reached is refused now; a name is checked at each connect
  // (apps/drains), against the addresses it resolves to then.
  const host = target.kind === 'syslog' ? target.host : new URL(target.url).hostname;
  if (parseIp(host)) assertDestination(await loadEgressPolicy(ctx.db), host, 'drain destination');
  const existing = await ctx.db.logDrain.findMany({ where: { appId: app.id }, select: { url: true } });
  if (existing.some((d) => d.url === url)) throw new Conflict(`${app.name} already drains to ${url}.`);
  if (existing.length >= MAX_DRAINS_PER_APP) throw new InvalidInput(`${app.name} has ${existing.length} drains already, the most an app may have. Remove one first.`);
  let drain;
  try {
    drain = await ctx.db.logDrain.create({ data: { appId: app.id, url, token: `d.${randomUUID()}` } });
  } catch (err) {
    if ((err as { code?: string }).code === 'P2002') throw new Conflict(`${app.name} already drains to ${url}.`);
    throw err;
  }
  await notify?.(app.id);
  await audit(ctx, actor, app, 'drain.add', redactDrainUrl(url));
  return drain;
}

/** `ref` is a drain id or its URL (compared in canonical form). */
export async function removeDrain(ctx: Ctx, actor: Actor, appName: string, ref: string, notify?: DrainsChanged) {
  const app = await appFor(ctx, actor, appName, 'write');
  const drains = await ctx.db.logDrain.findMany({ where: { appId: app.id } });
  const canonical = canonicalOrNull(ref);
  const drain = drains.find((d) => d.id === ref.trim() || d.token === ref.trim() || (canonical !== null && d.url === canonical));
  if (!drain) throw new NotFound('Drain', ref);
  await ctx.db.logDrain.delete({ where: { id: drain.id } });
  await notify?.(app.id);
  await audit(ctx, actor, app, 'drain.remove', redactDrainUrl(drain.url));
  return drain;
}

function canonicalOrNull(ref: string): string | null {
  try {
    return parseDrainUrl(ref).url;
  } catch {
    return null;
  }
}
