import { Conflict, NameTaken, NotFound, assertAppName, generateAppName, isScalableType } from '@gantry/core';
import { Prisma, type App } from '@gantry/db';
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

/** What outlives a destroyed app: its volumes (unmounted, data kept) and add-ons (detached, kept). */
export interface KeptResources {
  volumes: { name: string; host: string | null; processType: string; mountPath: string; destroy: string }[];
  addons: { name: string; kind: string; as: string; destroy: string }[];
}

export interface DestroyedApp {
  app: App;
  kept: KeptResources;
}

async function keptBy(tx: Prisma.TransactionClient, appId: string): Promise<KeptResources> {
  const [volumes, attachments] = await Promise.all([
    tx.volume.findMany({ where: { appId }, orderBy: { name: 'asc' } }),
    tx.addonAttachment.findMany({ where: { appId }, include: { addon: { select: { name: true, kind: true } } }, orderBy: { createdAt: 'asc' } }),
  ]);
  const hostIds = volumes.map((v) => v.hostId).filter((x): x is string => x !== null);
  const hosts = new Map((await tx.host.findMany({ where: { id: { in: hostIds } }, select: { id: true, name: true } })).map((h) => [h.id, h.name]));
  return {
    volumes: volumes.map((v) => ({
      name: v.name,
      host: v.hostId ? (hosts.get(v.hostId) ?? null) : null,
      processType: v.processType ?? '',
      mountPath: v.mountPath ?? '',
      destroy: `gantry volumes:destroy ${v.name} --confirm ${v.name}`,
    })),
    addons: attachments.map((a) => ({ name: a.addon.name, kind: a.addon.kind, as: a.name, destroy: `gantry addons:destroy ${a.addon.name} --confirm ${a.addon.name}` })),
  };
}

/** "volume data (worker at /app/data, on host-b); add-on postgres-shiny-1234 (DATABASE)". */
export function describeKept(k: KeptResources): string {
  return [
    ...k.volumes.map((v) => `volume ${v.name} (${v.processType} at ${v.mountPath}${v.host ? `, on ${v.host}` : ''})`),
    ...k.addons.map((a) => `add-on ${a.name} (${a.kind}, as ${a.as})`),
  ].join('; ');
}

/**
 * Destroys an app: its records go at once (so its name is free again), and a cleanup job stops
 * its instances and removes routes, images, build cache and git repository. Its volumes and
 * add-ons are never destroyed with it: an app that mounts volumes or has add-ons attached is
 * destroyed only with `confirm` (its name), and then they are unmounted and detached, kept, and
 * listed in the answer with the commands that destroy them.
 */
export async function destroyApp(ctx: Ctx, actor: Actor, name: string, confirm?: string): Promise<DestroyedApp> {
  const app = await appFor(ctx, actor, name, 'admin');
  if (app.kind === 'addon') throw new Conflict(`${app.name} runs an add-on's server: destroy it with gantry addons:destroy ${app.name} --confirm ${app.name}.`);
  const kept = await ctx.db.$transaction(async (tx) => {
    // The app row locked: a volume mounted or an add-on attached meanwhile waits, then finds no app.
    await tx.$queryRaw`SELECT id FROM "App" WHERE id = ${app.id}::uuid FOR UPDATE`;
    const k = await keptBy(tx, app.id);
    if ((k.volumes.length || k.addons.length) && confirm !== app.name) {
      throw new Conflict(
        `${app.name} has data that stays when it is destroyed: ${describeKept(k)}. They are kept (unmounted, detached), not destroyed. To destroy ${app.name}, pass --confirm ${app.name}.`,
        { confirm: app.name },
      );
    }
    await tx.volume.updateMany({ where: { appId: app.id }, data: { appId: null, processType: null, mountPath: null, concurrent: false } });
    await tx.app.delete({ where: { id: app.id } });
    return k;
  });
  await audit(ctx, actor, app, 'app.destroy', app.name, { keptVolumes: kept.volumes.map((v) => v.name), keptAddons: kept.addons.map((a) => a.name) });
  await ctx.queues.add('cleanup', { appId: app.id, appName: app.name, imageRepo: imageRepoFor(ctx, app.id) });
  return { app, kept };
}
