/**
 * What to run for one instance of a release, as data: the container's name, command, env,
 * labels and limits. Pure (tests assert it); the Docker adapter turns it into a container.
 */
import { DEFAULT_SIZE, findSize, instanceName, INTERNAL_DOMAIN, type ConfigVars } from '@gantry/core';

/** Port every instance listens on inside its container; published on a random host port. */
export const INSTANCE_PORT = 5000;

export type Launcher = 'buildpack' | 'shell';

/** How a release's processes start, from its build's strategy: Dockerfile images through `sh -c`, buildpack ones through gantry-launch. */
export function launcherOf(strategy: string | null | undefined): Launcher {
  return strategy === 'dockerfile' ? 'shell' : 'buildpack';
}

export interface InstanceSpecInput {
  installation: string;
  allocId: string;
  app: { id: string; name: string };
  release: { id: string; version: number; imageRef: string; config: ConfigVars };
  type: string;
  index: number;
  /** The Procfile command; empty = the image's own CMD. */
  command: string;
  launcher: Launcher;
  size: string;
  /** Short random suffix: a replacement of web.1 can run beside the old one. */
  suffix: string;
  network?: PrivateNetworkRef | undefined;
  /** Volumes the process type mounts (the scheduler placed it on their host). */
  mounts?: VolumeMount[] | undefined;
}

/** A named Docker volume of the host mounted into the container. */
export interface VolumeMount {
  /** Docker volume name (gantry-<installation>-<volume>). */
  source: string;
  target: string;
}

/** The team's private network a container joins (the agent gives it a static address in `subnet`). */
export interface PrivateNetworkRef {
  name: string;
  subnet: string;
}

export interface InstanceSpec {
  name: string;
  image: string;
  cmd: string[] | undefined;
  env: Record<string, string>;
  labels: Record<string, string>;
  memoryBytes: number;
  cpuShares: number;
  exposesPort: boolean;
  /** Absent: no private network (an installation without one, or a spec from before it). */
  network?: PrivateNetworkRef | undefined;
  /** Named volumes mounted into it (absent: none). */
  mounts?: VolumeMount[] | undefined;
}

export function instanceSpec(i: InstanceSpecInput): InstanceSpec {
  const size = findSize(i.size) ?? findSize(DEFAULT_SIZE)!;
  const process = `${i.type}.${i.index}`;
  const cmd = i.command ? launchCommand(i.launcher, i.command) : undefined;
  return {
    name: `gantry-${i.installation}-${i.app.name}-${process}-v${i.release.version}-${i.suffix}`,
    image: i.release.imageRef,
    cmd,
    env: {
      ...i.release.config,
      PORT: String(INSTANCE_PORT),
      DYNO: process,
      GANTRY_APP: i.app.name,
      GANTRY_RELEASE: `v${i.release.version}`,
      GANTRY_INSTANCE: instanceName(i.type, i.index, i.app.name),
    },
    labels: {
      'gantry.instance': i.installation,
      'gantry.role': 'app',
      'gantry.alloc.id': i.allocId,
      'gantry.app': i.app.name,
      'gantry.app.id': i.app.id,
      'gantry.release': String(i.release.version),
      'gantry.release.id': i.release.id,
      'gantry.process.type': i.type,
      'gantry.process.index': String(i.index),
    },
    memoryBytes: size.memoryBytes,
    cpuShares: size.cpuShares,
    exposesPort: i.type === 'web',
    ...(i.network ? { network: i.network } : {}),
    ...(i.mounts?.length ? { mounts: i.mounts } : {}),
  };
}

/** How a Procfile command starts: through gantry-launch (profile.d, as Heroku) or `sh -c`. */
export function launchCommand(launcher: Launcher, command: string): string[] {
  return launcher === 'buildpack' ? ['gantry-launch', command] : ['/bin/sh', '-c', command];
}

/**
 * The constant script gantry-launch runs for `gantry run` in buildpack apps: it rebuilds the
 * user's argv from GANTRY_RUN_ARGC and GANTRY_RUN_ARG_<n> (data, never parsed by a shell), unsets
 * them and execs it, after gantry-launch has set up the environment as for web processes.
 */
export const RUN_ARGV_SCRIPT =
  'set --; n=${GANTRY_RUN_ARGC:-0}; for ((i = 0; i < n; i++)); do v="GANTRY_RUN_ARG_$i"; set -- "$@" "${!v}"; unset "$v"; done; unset GANTRY_RUN_ARGC; exec "$@"';

export interface OneOffSpecInput {
  installation: string;
  app: { id: string; name: string };
  release: { id: string; version: number; imageRef: string; config: ConfigVars };
  launcher: Launcher;
  /** The command as argv, never joined into a shell string. */
  argv: string[];
  /** Extra variables (run --env), over the config vars. */
  env: Record<string, string>;
  size: string;
  /** run.<number>, as Heroku names one-off dynos. */
  number: number;
  suffix: string;
  network?: PrivateNetworkRef | undefined;
}

/**
 * A one-off container (`gantry run`): the release's image, config vars and launcher, like an
 * instance, but the user's argv instead of a Procfile command. Buildpack apps get the argv through
 * gantry-launch (RUN_ARGV_SCRIPT); Dockerfile apps get it as the container's command.
 */
export function oneOffSpec(i: OneOffSpecInput): InstanceSpec {
  const size = findSize(i.size) ?? findSize(DEFAULT_SIZE)!;
  const process = `run.${i.number}`;
  const argvEnv: Record<string, string> = {};
  if (i.launcher === 'buildpack') {
    argvEnv.GANTRY_RUN_ARGC = String(i.argv.length);
    i.argv.forEach((arg, n) => (argvEnv[`GANTRY_RUN_ARG_${n}`] = arg));
  }
  return {
    name: `gantry-${i.installation}-${i.app.name}-${process}-v${i.release.version}-${i.suffix}`,
    image: i.release.imageRef,
    cmd: i.launcher === 'buildpack' ? ['gantry-launch', RUN_ARGV_SCRIPT] : [...i.argv],
    env: {
      ...i.release.config,
      ...i.env,
      PORT: String(INSTANCE_PORT),
      DYNO: process,
      GANTRY_APP: i.app.name,
      GANTRY_RELEASE: `v${i.release.version}`,
      GANTRY_INSTANCE: `${process}.${i.app.name}.${INTERNAL_DOMAIN}`,
      ...argvEnv,
    },
    labels: {
      'gantry.instance': i.installation,
      'gantry.role': 'run',
      'gantry.app': i.app.name,
      'gantry.app.id': i.app.id,
      'gantry.release': String(i.release.version),
      'gantry.release.id': i.release.id,
      'gantry.process.type': 'run',
      'gantry.process.index': String(i.number),
    },
    memoryBytes: size.memoryBytes,
    cpuShares: size.cpuShares,
    exposesPort: false,
    ...(i.network ? { network: i.network } : {}),
  };
}

export interface TaskSpecInput {
  installation: string;
  taskId: string;
  app: { id: string; name: string };
  release: { id: string; version: number; imageRef: string; config: ConfigVars };
  launcher: Launcher;
  /** DYNO of the task: "release", "postdeploy", "cron.3"... */
  process: string;
  /** A command line, run as a Procfile command is (gantry-launch for buildpack apps, `sh -c` otherwise). */
  command: string;
  size: string;
  suffix: string;
  network?: PrivateNetworkRef | undefined;
}

/**
 * A task container (release phase, app.json scripts, cron runs): the release's image, config and
 * launcher, like an instance of a process type, but run once to completion by an agent.
 */
export function taskSpec(i: TaskSpecInput): InstanceSpec {
  const size = findSize(i.size) ?? findSize(DEFAULT_SIZE)!;
  return {
    name: `gantry-${i.installation}-${i.app.name}-${i.process}-v${i.release.version}-${i.suffix}`,
    image: i.release.imageRef,
    cmd: launchCommand(i.launcher, i.command),
    env: {
      ...i.release.config,
      PORT: String(INSTANCE_PORT),
      DYNO: i.process,
      GANTRY_APP: i.app.name,
      GANTRY_RELEASE: `v${i.release.version}`,
      GANTRY_INSTANCE: `${i.process}.${i.app.name}.${INTERNAL_DOMAIN}`,
    },
    labels: {
      'gantry.instance': i.installation,
      'gantry.role': 'task',
      'gantry.app': i.app.name,
      'gantry.app.id': i.app.id,
      'gantry.release': String(i.release.version),
      'gantry.release.id': i.release.id,
      'gantry.process.type': i.process.split('.')[0]!,
    },
    memoryBytes: size.memoryBytes,
    cpuShares: size.cpuShares,
    exposesPort: false,
    ...(i.network ? { network: i.network } : {}),
  };
}
