/**
 * volumes:move NAME --to HOST: an app's volume (not an add-on's: addons:move) moves with its data;
 * its users stop while the data is copied and start on the new host (relocate.ts). A volume on no
 * host yet has no data anywhere: it is simply bound to the host named.
 *
 * An HA add-on's members (and its etcd) move this way too, one at a time: the member stops (Patroni
 * hands the leadership to the synchronous standby first), its data is copied, and it rejoins from
 * the new host. Never onto a host holding another of the add-on's volumes (they stay apart).
 */
import { Conflict, InvalidInput, type AddonKind } from '@gantry/core';
import type { Actor, Ctx } from '../context';
import { audit } from '../audit';
import { platformOf } from '../addons/addons';
import { addonOfVolume, volumeFor } from '../volumes';
import { moveTarget, relocateVolume, type VolumeMoveResult } from './relocate';

export async function moveVolume(ctx: Ctx, actor: Actor, name: string, to: string, opts: { stopTimeoutMs?: number } = {}): Promise<VolumeMoveResult> {
  const volume = await volumeFor(ctx, actor, name, 'write');
  const addon = addonOfVolume(volume);
  if (addon && !addon.ha) throw new Conflict(`${volume.name} holds the data of the add-on ${addon.name}: move it with gantry addons:move ${addon.name} --to ${to}.`);
  if (volume.movingTo) throw new Conflict(`${volume.name} is already moving: see gantry volumes.`);
  const { target, source } = await moveTarget(ctx, volume, to, volume.name);
  if (addon?.ha) await refuseSiblingHost(ctx, volume, target, addon.name);
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

/** An HA add-on's volumes live on different hosts: refuses a target that holds another of them. */
export async function refuseSiblingHost(ctx: Ctx, volume: { id: string; appId: string | null }, target: { id: string; name: string }, addon: string): Promise<void> {
  const sibling = await ctx.db.volume.findFirst({ where: { appId: volume.appId, id: { not: volume.id }, hostId: target.id }, select: { name: true } });
  if (sibling) throw new InvalidInput(`${target.name} holds ${sibling.name}, another volume of the HA add-on ${addon}: its members and etcd run on different hosts. Choose another host.`, { field: 'to' });
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
