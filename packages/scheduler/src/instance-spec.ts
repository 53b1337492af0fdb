/**
 * What to run for one instance of a release, as data: the container's name, command, env,
 * labels and limits. Pure (tests assert it); the Docker adapter turns it into a container.
 */
import { DEFAULT_SIZE, findSize, type ConfigVars } from '@gantry/core';

/** Port every instance listens on inside its container; published on a random host port. */
export const INSTANCE_PORT = 5000;

export type Launcher = 'buildpack' | 'shell';

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
}

export function instanceSpec(i: InstanceSpecInput): InstanceSpec {
  const size = findSize(i.size) ?? findSize(DEFAULT_SIZE)!;
  const process = `${i.type}.${i.index}`;
  let cmd: string[] | undefined;
  if (i.command) cmd = i.launcher === 'buildpack' ? ['gantry-launch', i.command] : ['/bin/sh', '-c', i.command];
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
  };
}
