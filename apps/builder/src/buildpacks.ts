import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { cloneBuildpack, parseBuildpackUrl, type FetchOptions } from './buildpack-fetch';
import { BuildFailure } from './failure';

/** A buildpack as the builder container sees it. */
export interface Buildpack {
  name: string;
  /** Path inside the builder container. */
  dir: string;
}

export interface BuildpackPlan {
  buildpacks: Buildpack[];
  /** Host directories to mount read-only: host path -> container path. */
  mounts: Record<string, string>;
  /** Removes anything fetched for this build. */
  cleanup: () => Promise<void>;
  /** True when the app chose its buildpack (BUILDPACK_URL): it runs without detect. */
  chosen: boolean;
}

const BUILTIN_MOUNT = '/buildpacks';
const CUSTOM_MOUNT = '/buildpack-custom';

/**
 * Which buildpacks a build tries, in order. The app's BUILDPACK_URL config var picks one: a
 * built-in name ("nodejs", "heroku/nodejs") or an http(s) git URL (optionally "#ref"),
 * cloned for this build if its host passes the egress policy (buildpack-fetch.ts). Otherwise the
 * configured order of built-in buildpacks.
 */
export async function planBuildpacks(builtinDir: string, order: string[], buildpackUrl: string | undefined, fetch: () => Promise<FetchOptions>): Promise<BuildpackPlan> {
  const builtin = (name: string): Buildpack => ({ name, dir: `${BUILTIN_MOUNT}/${name}` });
  const base = { mounts: { [builtinDir]: BUILTIN_MOUNT }, cleanup: async () => {} };
  const url = buildpackUrl?.trim();
  if (!url) {
    const missing = order.filter((n) => !existsSync(join(builtinDir, n, 'bin', 'detect')));
    if (missing.length) throw new BuildFailure(`Configured buildpacks not found in ${builtinDir}: ${missing.join(', ')}`);
    return { ...base, buildpacks: order.map(builtin), chosen: false };
  }
  const short = url.replace(/^(heroku|gantry)\//, '').replace(/^heroku-buildpack-/, '');
  if (/^[a-z0-9-]+$/.test(short)) {
    if (!existsSync(join(builtinDir, short, 'bin', 'compile'))) {
      throw new BuildFailure(`BUILDPACK_URL names an unknown buildpack "${url}". Built-in: ${order.join(', ')}; or use an https git URL.`);
    }
    return { ...base, buildpacks: [builtin(short)], chosen: true };
  }
  if (!/^https?:\/\/[^\s]+$/.test(url)) {
    throw new BuildFailure(`BUILDPACK_URL must be a built-in buildpack name or an http(s) git URL, not "${url}".`);
  }
  const repo = parseBuildpackUrl(url).repo.href;
  const options = await fetch();
  const dir = await mkdtemp(join(tmpdir(), 'gantry-buildpack-'));
  try {
    await cloneBuildpack(url, dir, options);
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  if (!existsSync(join(dir, 'bin', 'compile'))) {
    await rm(dir, { recursive: true, force: true });
    throw new BuildFailure(`${url} is not a buildpack: it has no bin/compile.`);
  }
  const name = basename(repo).replace(/\.git$/, '').replace(/[^a-zA-Z0-9_-]/g, '') || 'custom';
  return {
    buildpacks: [{ name, dir: CUSTOM_MOUNT }],
    mounts: { [builtinDir]: BUILTIN_MOUNT, [dir]: CUSTOM_MOUNT },
    cleanup: () => rm(dir, { recursive: true, force: true }),
    chosen: true,
  };
}
