/**
 * addons:destroy NAME --confirm NAME: a final backup first (if it fails, nothing is destroyed),
 * then every attachment is removed through a release of its app, then the records, the server
 * (the scheduler stops it once its app is gone) and, once the server has stopped, the volume.
 * Backups stay, listed under the add-on's name.
 */
import { Conflict, configVarOf, volumeDockerName } from '@gantry/core';
import type { Backup } from '@gantry/db';
import { audit } from '../audit';
import type { Actor, Ctx } from '../context';
import { changeConfig } from '../releases';
import { addonFor } from './access';
import { platformOf } from './addons';
import { backupId, takeBackup } from './backups';

export interface DestroyAddonResult {
  addon: string;
  /** null when there was nothing to back up (the server never ran) or the caller chose to go without. */
  finalBackup: Backup | null;
}

export async function destroyAddon(ctx: Ctx, actor: Actor, name: string, confirm: string | undefined, opts: { withoutBackup?: boolean } = {}): Promise<DestroyAddonResult> {
  const addon = await addonFor(ctx, actor, name, 'admin');
  const platform = platformOf(ctx);
  // One volume; an HA add-on's: one per member and its etcd's.
  const volumes = await ctx.db.volume.findMany({ where: { appId: addon.appId }, orderBy: { name: 'asc' } });
  const hostNames = new Map((await ctx.db.host.findMany({ where: { id: { in: volumes.flatMap((v) => (v.hostId ? [v.hostId] : [])) } }, select: { id: true, name: true } })).map((h) => [h.id, h.name]));
  const apps = addon.attachments.map((a) => `${a.app.name} (${configVarOf(a.name)})`);
  if (confirm !== addon.name) {
    throw new Conflict(
      `This destroys ${addon.name} and its data: ${volumes.map((v) => `volume ${v.name}${v.hostId ? ` on ${hostNames.get(v.hostId) ?? v.hostId}` : ''}`).join(', ')}; attached to ${apps.length ? apps.join(', ') : 'no app'}. ` +
        `A final backup is taken first. To go on, pass --confirm ${addon.name}.`,
      { confirm: addon.name },
    );
  }
  const neverRan = addon.volume.hostId === null;
  let finalBackup: Backup | null = null;
  if (!neverRan && !opts.withoutBackup) finalBackup = await takeBackup(ctx, addon, 'final');
  for (const a of addon.attachments) {
    const app = await ctx.db.app.findUniqueOrThrow({ where: { id: a.appId } });
    await changeConfig(ctx, actor, app, { [configVarOf(a.name)]: null }, `Detach ${a.name} (${addon.name} destroyed)`);
  }
  const server = await ctx.db.app.findUniqueOrThrow({ where: { id: addon.appId } });
  await ctx.db.$transaction([
    ctx.db.addonAttachment.deleteMany({ where: { addonId: addon.id } }),
    ctx.db.addon.delete({ where: { id: addon.id } }),
    ctx.db.volume.deleteMany({ where: { appId: addon.appId } }),
    ctx.db.app.delete({ where: { id: addon.appId } }),
  ]);
  await ctx.queues.add('cleanup', { appId: server.id, appName: server.name, imageRepo: `${ctx.imageRepoPrefix}/${server.id}` });
  await audit(ctx, actor, { id: addon.appId, teamId: addon.teamId }, 'addon.destroy', addon.name, { finalBackup: finalBackup ? backupId(finalBackup.number) : null });
  if (addon.ha) await platform.ha.remove(addon.appId);
  for (const v of volumes) if (v.hostId) removeVolumeWhenFree(ctx, v.hostId, volumeDockerName(platform.installation, v.name));
  return { addon: addon.name, finalBackup };
}

/** The volume can go once no container uses it (the scheduler is stopping the server): retried for two minutes. */
function removeVolumeWhenFree(ctx: Ctx, hostId: string, dockerName: string): void {
  const { servers } = platformOf(ctx);
  const deadline = Date.now() + 120_000;
  const attempt = async (): Promise<void> => {
    try {
      await servers.removeVolume(hostId, dockerName);
    } catch (err) {
      // Still used past the deadline: left on the host (listed by `docker volume ls`), never removed in use.
      if (Date.now() > deadline) return;
      setTimeout(() => void attempt(), 2000);
    }
  };
  void attempt();
}
