/** API views of volumes (shape: @gantry/api-client VolumeView). */
import type { VolumeView } from '@gantry/api-client';
import type { VolumeSummary } from '@gantry/control';

export function volumeView({ volume, host }: VolumeSummary): VolumeView {
  return {
    name: volume.name,
    team: volume.team.name,
    host,
    app: volume.app?.name ?? null,
    processType: volume.processType,
    mountPath: volume.mountPath,
    addon: volume.addon?.name ?? null,
    createdAt: volume.createdAt.toISOString(),
  };
}
