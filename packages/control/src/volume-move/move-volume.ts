/**
 * volumes:move NAME --to HOST: an app's volume (not an add-on's: addons:move) moves with its data;
 * its users stop while the data is copied and start on the new host (relocate.ts). A volume on no
 * host yet has no data anywhere: it is simply bound to the host named.
 */
import { type AddonKind } from '@gantry/core';
import type { Actor, Ctx } from '../context';
import { audit } from '../audit';
import { platformOf } from '../addons/addons';
import { volumeFor } from '../volumes';
import { Conflict } from '@gantry/core';
import { moveTarget, relocateVolume, type VolumeMoveResult } from './relocate';

export async function moveVolume(ctx: Ctx, actor: Actor, name: string, to: string, opts: { stopTimeoutMs?: number } = {}): Promise<VolumeMoveResult> {
  const volume = await volumeFor(ctx, actor, name, 'write');
  if (volume.addon) throw new Conflict(`${volume.name} holds the data of the add-on ${volume.addon.name}: move it with gantry addons:move ${volume.addon.name} --to ${to}.`);
  if (volume.movingTo) throw new Conflict(`${volume.name} is already moving: see gantry volumes.`);
  const { target, source } = await moveTarget(ctx, volume, to, volume.name);
  if (!source) {
    await ctx.db.volume.updateMany({ where: { id: volume.id, hostId: null }, data: { hostId: target.id } });
    if (volume.appId) await ctx.live?.wake(volume.appId, `volume ${volume.name} bound to ${target.name}`);
    await audit(ctx, actor, { teamId: volume.teamId }, 'volume.move', volume.name, { from: null, to: target.name });
    return { volume: volume.name, from: '(no host yet)', to: target.name, streamBytes: 0, files: 0, bytes: 0, stoppedMs: 0, copyMs: 0 };
  }
  const result = await relocateVolume(ctx, volume, source, target, { images: await helperImages(ctx, volume.appId), ...opts });
  await audit(ctx, actor, { teamId: volume.teamId }, 'volume.move', volume.name, { from: source.name, to: target.name, bytes: result.bytes, files: result.files });
  return result;
}

/**
 * Images the helper containers may run (any with tar and find): the images of the mounting app's
 * releases (its users ran them on the source host), then the add-on server images.
 */
export async function helperImages(ctx: Ctx, appId: string | null): Promise<string[]> {
  const out: string[] = [];
  if (appId) {
    const app = await ctx.db.app.findUnique({ where: { id: appId }, select: { currentReleaseId: true, targetReleaseId: true } });
    const ids = [app?.currentReleaseId, app?.targetReleaseId].filter((x): x is string => Boolean(x));
    for (const r of await ctx.db.release.findMany({ where: { id: { in: ids }, imageRef: { not: null } }, select: { imageRef: true } })) out.push(r.imageRef!);
  }
  for (const kind of ['postgres', 'redis'] as AddonKind[]) {
    const ref = await platformOf(ctx).imageRef(kind).catch(() => null);
    if (ref) out.push(ref);
  }
  return out;
}
