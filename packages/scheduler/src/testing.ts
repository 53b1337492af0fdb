/** Plain-data builders for the scheduler's tests (not exported from the package). */
import type { Constraint, HostView, PlacedUnit, PlacementRequest, Resources } from './types';

export const MB = 1024 * 1024;
export const GB = 1024 * MB;

/** A host named `name` (id `id-<name>`), up, not draining, 8 GB and 4 CPUs unless told. */
export function host(name: string, opts: { up?: boolean; draining?: boolean; labels?: Record<string, string>; memoryGB?: number; cpus?: number } = {}): HostView {
  return {
    id: `id-${name}`,
    name,
    up: opts.up ?? true,
    draining: opts.draining ?? false,
    labels: { 'gantry.host': name, ...opts.labels },
    capacity: { memoryBytes: (opts.memoryGB ?? 8) * GB, cpuShares: (opts.cpus ?? 4) * 1024 },
  };
}

/** 512 MB and half a CPU unless told. */
export function request(appId: string, type: string, index: number, opts: { memoryMB?: number; cpuShares?: number; constraints?: Constraint[] } = {}): PlacementRequest {
  return { appId, type, index, resources: resources(opts.memoryMB ?? 512, opts.cpuShares ?? 512), constraints: opts.constraints ?? [] };
}

export const resources = (memoryMB: number, cpuShares: number): Resources => ({ memoryBytes: memoryMB * MB, cpuShares });

export function unit(hostName: string, appId: string, type: string, memoryMB = 512, cpuShares = 512): PlacedUnit {
  return { hostId: `id-${hostName}`, appId, type, resources: resources(memoryMB, cpuShares) };
}

export const eq = (label: string, value: string): Constraint => ({ label, op: '=', value });
export const ne = (label: string, value: string): Constraint => ({ label, op: '!=', value });

/** Counts chosen host ids, by host name (id-<name> -> name), hosts with none left out. */
export function tally(chosen: (string | null)[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const id of chosen) {
    const name = id === null ? 'unplaced' : id.replace(/^id-/, '');
    out[name] = (out[name] ?? 0) + 1;
  }
  return out;
}
