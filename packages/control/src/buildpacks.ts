/**
 * The app's own buildpack list (App.buildpacks), as Heroku's `buildpacks`, `buildpacks:add`,
 * `:set`, `:remove` and `:clear` edit it. It wins over .buildpacks, app.json and BUILDPACK_URL
 * (core/buildpack-list.ts) and takes effect on the next build. Team write access; audited.
 *
 *   edit ─core editBuildpacks─▶ new list ─compare-and-set on the old list─▶ App.buildpacks + audit
 */
import { Conflict, editBuildpacks, type BuildpackEdit } from '@gantry/core';
import { appFor } from './access';
import { audit } from './audit';
import type { Actor, Ctx } from './context';

export async function listBuildpacks(ctx: Ctx, actor: Actor, appName: string): Promise<{ app: string; buildpacks: string[] }> {
  const app = await appFor(ctx, actor, appName, 'read');
  return { app: app.name, buildpacks: app.buildpacks };
}

/** Applies one edit; a concurrent edit of the same list makes this one fail rather than be lost. */
export async function changeBuildpacks(ctx: Ctx, actor: Actor, appName: string, edit: BuildpackEdit): Promise<{ app: string; buildpacks: string[] }> {
  const app = await appFor(ctx, actor, appName, 'write');
  const next = editBuildpacks(app.buildpacks, edit);
  const { count } = await ctx.db.app.updateMany({ where: { id: app.id, buildpacks: { equals: app.buildpacks } }, data: { buildpacks: next } });
  if (count === 0) throw new Conflict(`The buildpacks of ${app.name} changed while this change was made; look at them again (gantry buildpacks) and retry.`);
  const target = edit.action === 'clear' ? app.name : edit.action === 'remove' ? (edit.url ?? `#${edit.index}`) : edit.url;
  const shown = next.map(withoutCredentials);
  await audit(ctx, actor, app, `buildpacks.${edit.action}`, withoutCredentials(target), { buildpacks: shown });
  await ctx.events?.append(app.id, `Buildpacks ${shown.length ? `set to ${shown.join(', ')}` : 'cleared'} by ${actor.email}; the next build uses them`);
  return { app: app.name, buildpacks: next };
}

/** A URL's user and password (a token for a private repository) stay out of the audit log and app log. */
function withoutCredentials(entry: string): string {
  return entry.replace(/^(https?:\/\/)[^/@]*@/i, '$1');
}
