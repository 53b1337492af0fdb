import { Conflict, NameTaken, NotFound, assertAppName, generateAppName, isScalableType } from '@gantry/core';
import { Prisma } from '@gantry/db';
import { appFor, teamFor } from './access';
import { audit } from './audit';
import type { Actor, Ctx } from './context';

/** Docker image repository of an app's builds (stable across renames). */
export function imageRepoFor(ctx: Pick<Ctx, 'imageRepoPrefix'>, appId: string): string {
  return `${ctx.imageRepoPrefix}/${appId}`;
}

function isUniqueViolation(err: unknown): boolean {
  return err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002';
}

/**
 * Creates an app in a team the actor may change (owner, admin, member), by default their personal
 * team; a missing name is generated Heroku-style.
 */
export async function createApp(ctx: Ctx, actor: Actor, input: { name?: string; team?: string }) {
  const team = input.team
    ? (await teamFor(ctx, actor, input.team, 'write')).team
    : await ctx.db.team.findFirst({ where: { personal: true, memberships: { some: { userId: actor.userId, role: 'owner' } } } });
  if (!team) throw new NotFound('Personal team of user', actor.email);
  const explicit = input.name !== undefined;
  for (let attempt = 0; attempt < 5; attempt++) {
    const name = explicit ? assertAppName(input.name!) : generateAppName();
    try {
      const app = await ctx.db.app.create({ data: { name, teamId: team.id } });
      await audit(ctx, actor, app, 'app.create', app.name, { team: team.name });
      return app;
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      if (explicit) throw new NameTaken(name);
    }
  }
  throw new Conflict('Could not generate a free app name; pass one explicitly.');
}

/** Apps of every team the actor belongs to, newest first. */
export async function listApps(ctx: Ctx, actor: Actor) {
  return ctx.db.app.findMany({
    where: { kind: 'app', team: { memberships: { some: { userId: actor.userId } } } },
    orderBy: { createdAt: 'desc' },
  });
}

/** An app with what `apps:info` shows: current release, latest build, formation. */
export async function getAppInfo(ctx: Ctx, actor: Actor, name: string) {
  const app = await appFor(ctx, actor, name, 'read');
  const [currentRelease, latestRelease, latestBuild, formation] = await Promise.all([
    app.currentReleaseId ? ctx.db.release.findUnique({ where: { id: app.currentReleaseId } }) : null,
    ctx.db.release.findFirst({ where: { appId: app.id }, orderBy: { version: 'desc' } }),
    ctx.db.build.findFirst({ where: { appId: app.id }, orderBy: { number: 'desc' } }),
    ctx.db.formationEntry.findMany({ where: { appId: app.id }, orderBy: { type: 'asc' } }).then((rows) => rows.filter((r) => isScalableType(r.type))),
  ]);
  return { app, currentRelease, latestRelease, latestBuild, formation };
}

/**
 * Destroys an app: its records go at once (so its name is free again), and a cleanup job stops
 * its instances and removes routes, images, build cache and git repository.
 */
export async function destroyApp(ctx: Ctx, actor: Actor, name: string) {
  const app = await appFor(ctx, actor, name, 'admin');
  if (app.kind === 'addon') throw new Conflict(`${app.name} runs an add-on's server: destroy it with gantry addons:destroy ${app.name} --confirm ${app.name}.`);
  await ctx.db.app.delete({ where: { id: app.id } });
  await audit(ctx, actor, app, 'app.destroy', app.name);
  await ctx.queues.add('cleanup', { appId: app.id, appName: app.name, imageRepo: imageRepoFor(ctx, app.id) });
  return app;
}
