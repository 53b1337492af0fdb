/**
 * Binding volumes to hosts: a volume created without a host lives where its first user is placed
 * (as Kubernetes' WaitForFirstConsumer). The update only takes an unbound volume, so two
 * schedulers (or two slots) cannot bind one volume to two hosts: the loser reads the winner.
 */
import type { Db } from '@gantry/db';

export interface VolumeBinder {
  /** Binds the volume to hostId if it is unbound; returns the host it is bound to now. */
  bind(volumeId: string, hostId: string): Promise<string | null>;
}

export function volumeBinder(db: Db): VolumeBinder {
  return {
    async bind(volumeId, hostId) {
      await db.volume.updateMany({ where: { id: volumeId, hostId: null }, data: { hostId } });
      return (await db.volume.findUnique({ where: { id: volumeId }, select: { hostId: true } }))?.hostId ?? null;
    },
  };
}
