/**
 * Volumes of apps: named Docker volumes of a team, each on one host, mounted by one process type
 * of one app. The scheduler places that type on the volume's host (its `volume` filter says so in
 * ps:explain) and replaces it stop-first, so two releases never write at once unless the mount
 * says they can (`concurrent`). Volumes of add-ons are the same rows (Volume.addon set): they are
 * managed with addons:* only.
 *
 *   volumes:create ─> row (bound to --host now, or to the host of its first placed user)
 *   volumes:mount  ─> row gets app/type/path ─> wake: the type is re-placed with the mount
 *   volumes:unmount ─> row loses them ─> wake: the type is re-placed without it (data kept)
 *   volumes:destroy ─> (not mounted, --confirm NAME) Docker volume removed from its host, row deleted
 */
import { Conflict, Forbidden, InvalidInput, NameTaken, NotFound, Unavailable, assertMountPath, assertVolumeName, isScalableType, volumeDockerName } from '@gantry/core';
import { Prisma, type App } from '@gantry/db';
import { appFor, roleAllows, type Need } from './access';
import { audit } from './audit';
import type { Actor, Ctx } from './context';
import { announce } from './events';
import { platformOf } from './addons/addons';

export const VOLUME_INCLUDE = {
  team: { select: { name: true } },
  app: { select: { name: true, kind: true, addon: { select: { name: true, ha: true } } } },
  addon: { select: { name: true } },
} as const satisfies Prisma.VolumeInclude;

export type VolumeRow = Prisma.VolumeGetPayload<{ include: typeof VOLUME_INCLUDE }>;

/** A volume with the name of the host it lives on (null: not bound yet), and of the one it moves to. */
export interface VolumeSummary {
  volume: VolumeRow;
  host: string | null;
  movingTo?: string | null;
}

async function summarize(ctx: Ctx, rows: VolumeRow[]): Promise<VolumeSummary[]> {
  const ids = [...new Set(rows.flatMap((v) => [v.hostId, v.movingTo]).filter((x): x is string => x !== null))];
  const hosts = new Map((await ctx.db.host.findMany({ where: { id: { in: ids } }, select: { id: true, name: true } })).map((h) => [h.id, h.name]));
  const name = (id: string | null) => (id ? (hosts.get(id) ?? null) : null);
  return rows.map((volume) => ({ volume, host: name(volume.hostId), movingTo: name(volume.movingTo) }));
}

async function summary(ctx: Ctx, name: string): Promise<VolumeSummary> {
  return (await summarize(ctx, [await ctx.db.volume.findUniqueOrThrow({ where: { name }, include: VOLUME_INCLUDE })]))[0]!;
}

/** Loads a volume and checks the actor's role in its team. Unknown: NotFound; another team's: Forbidden. */
export async function volumeFor(ctx: Ctx, actor: Actor, name: string, need: Need): Promise<VolumeRow> {
  const volume = await ctx.db.volume.findUnique({ where: { name }, include: VOLUME_INCLUDE });
  if (!volume) throw new NotFound('Volume', name);
  const membership = await ctx.db.membership.findUnique({ where: { teamId_userId: { teamId: volume.teamId, userId: actor.userId } } });
  if (!membership || !roleAllows(membership.role, need)) throw new Forbidden(`You do not have ${need} access to the volume ${JSON.stringify(name)}.`);
  return volume;
}

/** The add-on whose data the volume holds (a server's; an HA add-on's member or etcd), or null. */
export function addonOfVolume(volume: Pick<VolumeRow, 'app'>): { name: string; ha: boolean } | null {
  return volume.app?.kind === 'addon' ? (volume.app.addon ?? { name: volume.app.name, ha: false }) : null;
}

/** Volumes of add-ons hold their data: only addons:* may touch them. */
function refuseAddonVolume(volume: VolumeRow, action: string): void {
  const addon = addonOfVolume(volume);
  if (addon) {
    throw new Conflict(`${volume.name} holds the data of the add-on ${addon.name}: it cannot be ${action} with volumes:*. Use gantry addons:* (addons:destroy ${addon.name} --confirm ${addon.name}).`);
  }
}

function refuseAddonApp(app: App): void {
  if (app.kind === 'addon') throw new InvalidInput(`${app.name} runs an add-on's server: its volume is managed by addons:*.`);
}

function isUniqueViolation(err: unknown): boolean {
  return err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002';
}

/**
 * volumes:create NAME [--host H] -a APP: a volume of the app's team. With a host it lives there from
 * now on; without, on the host where its first user is placed.
 */
export async function createVolume(ctx: Ctx, actor: Actor, appName: string, input: { name: string; host?: string | undefined }): Promise<VolumeSummary> {
  const name = assertVolumeName(input.name);
  const app = await appFor(ctx, actor, appName, 'write');
  refuseAddonApp(app);
  let hostId: string | null = null;
  if (input.host !== undefined) {
    const host = await ctx.db.host.findUnique({ where: { name: input.host } });
    if (!host) {
      const names = (await ctx.db.host.findMany({ where: { draining: false }, select: { name: true }, orderBy: { name: 'asc' } })).map((h) => h.name);
      throw new InvalidInput(`No host named ${JSON.stringify(input.host)}. Hosts: ${names.join(', ') || 'none'}.`, { field: 'host' });
    }
    if (host.draining) throw new Conflict(`${host.name} is draining: nothing new is placed on it. Choose another host, or leave --host out.`);
    hostId = host.id;
  }
  try {
    await ctx.db.volume.create({ data: { name, teamId: app.teamId, hostId } });
  } catch (err) {
    if (isUniqueViolation(err)) throw new NameTaken(name);
    throw err;
  }
  await audit(ctx, actor, app, 'volume.create', name, { host: input.host ?? null });
  return summary(ctx, name);
}

/** Every volume of the actor's teams (add-ons' included, marked as theirs). */
export async function listVolumes(ctx: Ctx, actor: Actor): Promise<VolumeSummary[]> {
  const rows = await ctx.db.volume.findMany({ where: { team: { memberships: { some: { userId: actor.userId } } } }, include: VOLUME_INCLUDE, orderBy: { name: 'asc' } });
  return summarize(ctx, rows);
}

/** The volumes an app mounts. */
export async function listAppVolumes(ctx: Ctx, actor: Actor, appName: string): Promise<VolumeSummary[]> {
  const app = await appFor(ctx, actor, appName, 'read');
  return summarize(ctx, await ctx.db.volume.findMany({ where: { appId: app.id }, include: VOLUME_INCLUDE, orderBy: { name: 'asc' } }));
}

export async function getVolume(ctx: Ctx, actor: Actor, name: string): Promise<VolumeSummary> {
  return (await summarize(ctx, [await volumeFor(ctx, actor, name, 'read')]))[0]!;
}

export interface MountInput {
  app: string;
  type: string;
  path: string;
  /** Several instances (a deploy's two releases, or quantity > 1) may use it at once: the app says it can. */
  concurrent?: boolean | undefined;
}

/** The app's process types: its formation's and its current release's. */
async function processTypesOf(ctx: Ctx, app: App): Promise<{ types: string[]; quantity: Map<string, number> }> {
  const formation = await ctx.db.formationEntry.findMany({ where: { appId: app.id } });
  const release = app.currentReleaseId ? await ctx.db.release.findUnique({ where: { id: app.currentReleaseId }, select: { processTypes: true } }) : null;
  const types = new Set([...formation.map((f) => f.type), ...Object.keys((release?.processTypes as Record<string, string> | null) ?? {})]);
  return { types: [...types].filter(isScalableType).sort(), quantity: new Map(formation.map((f) => [f.type, f.quantity])) };
}

/**
 * volumes:mount NAME PATH --type T -a APP: the type's instances get the volume at PATH; the
 * scheduler re-places them (stop-first) on the volume's host. No release is made.
 */
export async function mountVolume(ctx: Ctx, actor: Actor, name: string, input: MountInput): Promise<VolumeSummary> {
  const path = assertMountPath(input.path);
  if (!input.type || !isScalableType(input.type)) throw new InvalidInput(`Invalid process type ${JSON.stringify(input.type)}: name a process type of the app's Procfile (release cannot mount volumes).`, { field: 'type' });
  const volume = await volumeFor(ctx, actor, name, 'write');
  refuseAddonVolume(volume, 'mounted');
  const app = await appFor(ctx, actor, input.app, 'write');
  refuseAddonApp(app);
  if (app.teamId !== volume.teamId) throw new Conflict(`${volume.name} belongs to the team ${volume.team.name}; ${app.name} is in another team. A volume is mounted only by apps of its team.`);
  const concurrent = input.concurrent === true;
  if (volume.appId) {
    if (volume.appId === app.id && volume.processType === input.type && volume.mountPath === path && volume.concurrent === concurrent) return summary(ctx, name);
    throw new Conflict(`${volume.name} is already mounted by ${volume.app?.name ?? 'an app'} (${volume.processType} at ${volume.mountPath}): unmount it first (gantry volumes:unmount ${volume.name}).`);
  }
  const { types, quantity } = await processTypesOf(ctx, app);
  if (!types.includes(input.type)) throw new InvalidInput(`No process type ${input.type} in ${app.name}. Process types: ${types.join(', ') || 'none yet (push the app first)'}.`, { field: 'type' });
  const n = quantity.get(input.type) ?? 0;
  if (!concurrent && n > 1) {
    throw new Conflict(`${input.type} of ${app.name} runs ${n} instances, and a volume takes one writer: scale it to 1 first (gantry ps:scale ${input.type}=1), or mount with --concurrent if its instances can share the files.`);
  }
  // With the app row locked, so two volumes mounted on one type at once are checked one after the other.
  await ctx.db.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM "App" WHERE id = ${app.id}::uuid FOR UPDATE`;
    const siblings = await tx.volume.findMany({ where: { appId: app.id, processType: input.type } });
    const samePath = siblings.find((v) => v.mountPath === path);
    if (samePath) throw new Conflict(`${input.type} of ${app.name} already mounts ${samePath.name} at ${path}: choose another path, or unmount ${samePath.name} first.`);
    const elsewhere = volume.hostId ? siblings.find((v) => v.hostId !== null && v.hostId !== volume.hostId) : undefined;
    if (elsewhere) {
      const names = new Map((await tx.host.findMany({ where: { id: { in: [volume.hostId!, elsewhere.hostId!] } }, select: { id: true, name: true } })).map((h) => [h.id, h.name]));
      throw new Conflict(
        `${input.type} of ${app.name} mounts ${elsewhere.name}, which lives on ${names.get(elsewhere.hostId!) ?? 'another host'}; ${volume.name} lives on ${names.get(volume.hostId!) ?? 'another host'}. ` +
          'A process type runs on one host, so every volume it mounts must live on the same host.',
      );
    }
    if (volume.hostId && !(await tx.host.findUnique({ where: { id: volume.hostId }, select: { id: true } }))) {
      throw new Conflict(`The host ${volume.name} lived on has been removed: its data is gone. Destroy it (gantry volumes:destroy ${volume.name} --confirm ${volume.name}) and create another.`);
    }
    // Only while still unmounted: two mounts of this volume at once cannot both win.
    const { count } = await tx.volume.updateMany({ where: { id: volume.id, appId: null }, data: { appId: app.id, processType: input.type, mountPath: path, concurrent } });
    if (count === 0) throw new Conflict(`${volume.name} was mounted by someone else just now: see gantry volumes.`);
  });
  await ctx.live?.wake(app.id, `volume ${volume.name} mounted on ${input.type}`);
  await announce(ctx, app.id, `Mounted volume ${volume.name} at ${path} for ${input.type}${concurrent ? ' (concurrent)' : ''} by ${actor.email}`);
  await audit(ctx, actor, app, 'volume.mount', volume.name, { type: input.type, path, concurrent });
  return summary(ctx, name);
}

/** volumes:unmount NAME: the type is re-placed without it; the data stays on the volume. */
export async function unmountVolume(ctx: Ctx, actor: Actor, name: string): Promise<VolumeSummary> {
  const volume = await volumeFor(ctx, actor, name, 'write');
  refuseAddonVolume(volume, 'unmounted');
  if (!volume.appId) throw new Conflict(`${volume.name} is not mounted.`);
  const app = await ctx.db.app.findUniqueOrThrow({ where: { id: volume.appId } });
  await ctx.db.volume.updateMany({ where: { id: volume.id, appId: app.id }, data: { appId: null, processType: null, mountPath: null, concurrent: false } });
  await ctx.live?.wake(app.id, `volume ${volume.name} unmounted from ${volume.processType}`);
  await announce(ctx, app.id, `Unmounted volume ${volume.name} from ${volume.processType} (${volume.mountPath}) by ${actor.email}`);
  await audit(ctx, actor, app, 'volume.unmount', volume.name, { type: volume.processType, path: volume.mountPath });
  return summary(ctx, name);
}

/**
 * volumes:destroy NAME --confirm NAME: only an unmounted volume of an app (not an add-on's). Its
 * Docker volume is removed from its host first, with the row locked so nobody mounts it meanwhile;
 * if that fails (host unreachable, a stopping container still uses it) nothing is destroyed.
 */
export async function destroyVolume(ctx: Ctx, actor: Actor, name: string, confirm: string | undefined): Promise<{ volume: string; host: string | null }> {
  const volume = await volumeFor(ctx, actor, name, 'admin');
  refuseAddonVolume(volume, 'destroyed');
  if (volume.appId) {
    throw new Conflict(`${volume.name} is mounted by ${volume.app?.name ?? 'an app'} (${volume.processType} at ${volume.mountPath}): unmount it first (gantry volumes:unmount ${volume.name}).`);
  }
  const host = volume.hostId ? await ctx.db.host.findUnique({ where: { id: volume.hostId } }) : null;
  if (confirm !== volume.name) {
    throw new Conflict(`This destroys ${volume.name} and every file on it${host ? ` (on ${host.name})` : ''}; it cannot be undone. To go on, pass --confirm ${volume.name}.`, { confirm: volume.name });
  }
  await ctx.db.$transaction(
    async (tx) => {
      const locked = await tx.$queryRaw<{ appId: string | null }[]>`SELECT "appId" FROM "Volume" WHERE id = ${volume.id}::uuid FOR UPDATE`;
      if (!locked[0]) throw new NotFound('Volume', name);
      if (locked[0].appId) throw new Conflict(`${volume.name} was mounted just now: unmount it first (gantry volumes:unmount ${volume.name}).`);
      if (host) {
        const { servers, installation } = platformOf(ctx);
        await servers.removeVolume(host.id, volumeDockerName(installation, volume.name)).catch((err: { statusCode?: number; message?: string }) => {
          if (err.statusCode === 409) throw new Conflict(`${volume.name} is still used by a container on ${host.name} (an instance that is stopping): try again in a few seconds.`);
          throw new Unavailable(`Could not remove ${volume.name} from ${host.name} (${err.message ?? 'no answer'}): nothing was destroyed; try again when the host answers.`);
        });
      }
      await tx.volume.delete({ where: { id: volume.id } });
    },
    { timeout: 60_000 },
  );
  await audit(ctx, actor, { teamId: volume.teamId }, 'volume.destroy', volume.name, { host: host?.name ?? null });
  return { volume: volume.name, host: host?.name ?? null };
}
