/** API views of volumes (shape: @gantry/api-client VolumeView). */
import type { MoveView, VolumeView } from '@gantry/api-client';
import type { VolumeMoveResult, VolumeSummary } from '@gantry/control';

export function volumeView({ volume, host, movingTo }: VolumeSummary): VolumeView {
  return {
    name: volume.name,
    team: volume.team.name,
    host,
    app: volume.app?.name ?? null,
    processType: volume.processType,
    mountPath: volume.mountPath,
    addon: volume.addon?.name ?? null,
    movingTo: movingTo ?? null,
    createdAt: volume.createdAt.toISOString(),
  };
}

export function moveView(r: VolumeMoveResult, method: MoveView['method'] = 'copy', name = r.volume): MoveView {
  return { name, from: r.from, to: r.to, method, files: r.files, bytes: r.bytes, stoppedMs: r.stoppedMs, copyMs: r.copyMs };
}
