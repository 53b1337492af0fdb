/**
 * Volumes: named Docker volumes of a team, each on one host. Pure rules (names, mount paths);
 * the Docker volume behind a Gantry volume is gantry-<installation>-v-<name> on its host.
 */
import { InvalidInput } from './errors';

/** The Docker volume of a Gantry volume (what the agent mounts). */
export function volumeDockerName(installation: string, name: string): string {
  return `gantry-${installation}-v-${name}`;
}

/** Why a volume name is not allowed (null: allowed). Same alphabet as app names. */
export function volumeNameProblem(name: string): string | null {
  if (name.length < 2 || name.length > 40) return 'must be 2 to 40 characters long';
  if (!/^[a-z][a-z0-9-]*[a-z0-9]$/.test(name)) return 'must start with a letter, end with a letter or digit, and contain only lowercase letters, digits and dashes';
  return null;
}

export function assertVolumeName(name: string): string {
  const problem = volumeNameProblem(name);
  if (problem) throw new InvalidInput(`Invalid volume name ${JSON.stringify(name)}: it ${problem}.`, { field: 'name' });
  return name;
}

/** Paths a volume may not be mounted at: the system's own, and the app's code (/app itself). */
const RESERVED = ['/', '/app', '/bin', '/boot', '/dev', '/etc', '/lib', '/lib64', '/proc', '/root', '/run', '/sbin', '/sys', '/usr', '/var', '/tmp', '/scratch'];

/** Why a mount path is not allowed (null: allowed): absolute, normalized, not a system path. */
export function mountPathProblem(path: string): string | null {
  if (!path.startsWith('/')) return 'must be an absolute path (starting with /)';
  if (path.length > 200) return 'must be at most 200 characters long';
  if (!/^(\/[A-Za-z0-9._-]+)+$/.test(path)) return 'may contain only letters, digits, ".", "_", "-" and "/" separators';
  if (path.split('/').some((p) => p === '.' || p === '..')) return 'may not contain "." or ".." segments';
  if (RESERVED.includes(path)) return `is a system path (${RESERVED.join(', ')} are reserved)`;
  return null;
}

export function assertMountPath(path: string): string {
  const problem = mountPathProblem(path);
  if (problem) throw new InvalidInput(`Invalid mount path ${JSON.stringify(path)}: it ${problem}.`, { field: 'path' });
  return path;
}
