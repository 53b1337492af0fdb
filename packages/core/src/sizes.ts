/** Named instance sizes, Heroku-style. Memory is a hard limit; CPU shares weight CPU under contention. */
export interface InstanceSize {
  name: string;
  memoryBytes: number;
  cpuShares: number;
}

const MB = 1024 * 1024;

export const SIZES: readonly InstanceSize[] = [
  { name: 'basic', memoryBytes: 256 * MB, cpuShares: 256 },
  { name: 'standard-1x', memoryBytes: 512 * MB, cpuShares: 512 },
  { name: 'standard-2x', memoryBytes: 1024 * MB, cpuShares: 1024 },
  { name: 'performance-m', memoryBytes: 2560 * MB, cpuShares: 2048 },
];

export const DEFAULT_SIZE = 'standard-1x';

export function findSize(name: string): InstanceSize | undefined {
  return SIZES.find((s) => s.name === name);
}
