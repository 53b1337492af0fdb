/**
 * The containers of an instance that has sidecars (app.json "sidecars"), as data: the instance
 * itself, its sidecars, and the scratch volume they share. Pure; the agent turns it into
 * containers (apps/agent/src/sidecars.ts).
 *
 *   instanceSpec ──withSidecars(release sidecars of its type)──▶ { spec (its share), scratch, sidecars[] }
 *
 * Each sidecar runs the release's image and config through the same launcher as the instance's
 * command, in the instance's network namespace (localhost), with /scratch shared.
 *
 * The size counts for the whole group: without sidecars the instance has all of it; with
 * sidecars the instance keeps half of the memory and CPU shares and the sidecars split the other
 * half evenly. (Half and half keeps the rule one sentence long; an app whose sidecar needs more
 * picks a bigger size.)
 */
import type { SidecarSpec } from '@gantry/core';
import { type InstanceSpec, type Launcher, launchCommand } from './instance-spec';

/** Where the scratch volume is mounted in the instance and its sidecars. */
export const SCRATCH_PATH = '/scratch';
/** Docker refuses limits below 6 MB; and 2 is the smallest CPU weight it takes. */
const MIN_MEMORY = 8 * 1024 * 1024;
const MIN_CPU_SHARES = 2;

export interface SidecarContainerSpec {
  /** The sidecar's name in app.json ("metrics"). */
  sidecar: string;
  name: string;
  image: string;
  cmd: string[];
  env: Record<string, string>;
  labels: Record<string, string>;
  memoryBytes: number;
  cpuShares: number;
}

export interface InstanceGroup {
  /** The instance, with its share of the size and the scratch volume to mount. */
  spec: InstanceSpec & { scratch?: string };
  sidecars: SidecarContainerSpec[];
}

/** The log process of a sidecar: "web.1/metrics". */
export const sidecarProcess = (process: string, sidecar: string) => `${process}/${sidecar}`;

/** The scratch volume of an instance, named after its container. */
export const scratchVolumeOf = (instanceName: string) => `${instanceName}-scratch`;

/** How an instance's size is split between it and its sidecars (see the comment at the top). */
export function splitSize(total: { memoryBytes: number; cpuShares: number }, sidecars: number): { instance: { memoryBytes: number; cpuShares: number }; sidecar: { memoryBytes: number; cpuShares: number } } {
  if (sidecars <= 0) return { instance: total, sidecar: { memoryBytes: 0, cpuShares: 0 } };
  const half = { memoryBytes: Math.floor(total.memoryBytes / 2), cpuShares: Math.floor(total.cpuShares / 2) };
  return {
    instance: half,
    sidecar: {
      memoryBytes: Math.max(MIN_MEMORY, Math.floor((total.memoryBytes - half.memoryBytes) / sidecars)),
      cpuShares: Math.max(MIN_CPU_SHARES, Math.floor((total.cpuShares - half.cpuShares) / sidecars)),
    },
  };
}

/** An instance spec with the sidecars of its process type; no sidecars: the spec as it was. */
export function withSidecars(instance: InstanceSpec, sidecars: readonly SidecarSpec[] | undefined, launcher: Launcher): InstanceGroup {
  if (!sidecars?.length) return { spec: instance, sidecars: [] };
  const share = splitSize(instance, sidecars.length);
  const scratch = scratchVolumeOf(instance.name);
  return {
    spec: { ...instance, ...share.instance, scratch },
    sidecars: sidecars.map((s) => ({
      sidecar: s.name,
      name: `${instance.name}-${s.name}`,
      image: instance.image,
      cmd: launchCommand(launcher, s.command),
      env: { ...instance.env, GANTRY_SIDECAR: s.name },
      labels: { ...instance.labels, 'gantry.role': 'sidecar', 'gantry.sidecar': s.name },
      ...share.sidecar,
    })),
  };
}
