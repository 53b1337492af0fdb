/**
 * Which buildpacks a build runs, and where they are. The list comes from core's
 * resolveBuildpackList (the app's stored list, .buildpacks, app.json, BUILDPACK_URL); an
 * explicit list runs every entry in order, without detection. Without one, the configured
 * built-in order is tried with bin/detect (the first yes wins).
 *
 *   entry ─ built-in name ("heroku/nodejs") ──> <builtinDir>/nodejs  mounted at /buildpacks
 *         └ http(s) git URL (#ref) ──cloneBuildpack (egress policy)──> temp dir  mounted at /buildpack-custom/N
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtinName, describeSource, InvalidInput, resolveBuildpackList, type BuildpackList } from '@gantry/core';
import { cloneBuildpack, parseBuildpackUrl, type FetchOptions } from './buildpack-fetch';
import { BuildFailure } from './failure';

/** A buildpack as the builder container sees it. */
export interface Buildpack {
  /** A short name for output and the cache directory ("nodejs", "heroku-buildpack-tools"). */
  name: string;
  /** What the list said ("heroku/nodejs", a URL): shown as the build runs. */
  entry: string;
  /** Read-only path inside the builder container (the build copies it before running it). */
  dir: string;
  /** The same directory on this host (to see which optional scripts it has). */
  hostDir: string;
  /** One of Gantry's own (they share ../lib, so they are staged as one tree). */
  builtin: boolean;
}

export interface BuildpackPlan {
  buildpacks: Buildpack[];
  /** Host directories to mount read-only: host path -> container path. */
  mounts: Record<string, string>;
  /** Removes anything fetched for this build. */
  cleanup: () => Promise<void>;
  /** True when the app chose its buildpacks (an explicit list): all run, without detect. */
  chosen: boolean;
  /** Where the list came from, for output ("the .buildpacks file"). */
  source: string;
}

export const BUILTIN_MOUNT = '/buildpacks';
const CUSTOM_MOUNT = '/buildpack-custom';

export interface AppBuildpackInputs {
  /** App.buildpacks. */
  stored: string[];
  /** The source's `.buildpacks` file, if any. */
  dotBuildpacks: string | undefined;
  /** app.json `buildpacks` (parsed once by the build, with the rest of the manifest). */
  manifest: string[];
  /** The app's BUILDPACK_URL config var. */
  buildpackUrl: string | undefined;
}

/** The plan of an app's build: its list (see resolveBuildpackList), fetched. */
export async function planAppBuildpacks(builtinDir: string, order: string[], app: AppBuildpackInputs, fetch: () => Promise<FetchOptions>): Promise<BuildpackPlan> {
  let list: BuildpackList;
  try {
    list = resolveBuildpackList({ stored: app.stored, dotBuildpacks: app.dotBuildpacks, manifest: app.manifest, buildpackUrl: app.buildpackUrl });
  } catch (err) {
    if (err instanceof InvalidInput) throw new BuildFailure(err.message);
    throw err;
  }
  return planBuildpacks(builtinDir, order, list, fetch);
}

/** Fetches what `list` names; with no entries, the built-in `order` for detection. */
export async function planBuildpacks(builtinDir: string, order: string[], list: BuildpackList, fetch: () => Promise<FetchOptions>): Promise<BuildpackPlan> {
  const mounts: Record<string, string> = { [builtinDir]: BUILTIN_MOUNT };
  const fetched: string[] = [];
  const cleanup = async () => {
    for (const d of fetched) await rm(d, { recursive: true, force: true });
  };
  const source = describeSource(list.source);
  if (list.entries.length === 0) {
    const missing = order.filter((n) => !existsSync(join(builtinDir, n, 'bin', 'detect')));
    if (missing.length) throw new BuildFailure(`Configured buildpacks not found in ${builtinDir}: ${missing.join(', ')}`);
    return { buildpacks: order.map((name) => ({ name, entry: name, dir: `${BUILTIN_MOUNT}/${name}`, hostDir: join(builtinDir, name), builtin: true })), mounts, cleanup, chosen: false, source };
  }
  const buildpacks: Buildpack[] = [];
  let options: FetchOptions | undefined;
  try {
    for (const [i, entry] of list.entries.entries()) {
      const short = builtinName(entry);
      if (short !== undefined) {
        if (!existsSync(join(builtinDir, short, 'bin', 'compile'))) {
          throw new BuildFailure(`${source} names an unknown buildpack "${entry}". Built-in: ${order.join(', ')}; or use an https git URL.`);
        }
        buildpacks.push({ name: short, entry, dir: `${BUILTIN_MOUNT}/${short}`, hostDir: join(builtinDir, short), builtin: true });
        continue;
      }
      options ??= await fetch();
      const dir = await mkdtemp(join(tmpdir(), 'gantry-buildpack-'));
      fetched.push(dir);
      await cloneBuildpack(entry, dir, options);
      if (!existsSync(join(dir, 'bin', 'compile'))) throw new BuildFailure(`${entry} is not a buildpack: it has no bin/compile.`);
      const target = `${CUSTOM_MOUNT}/${i + 1}`;
      mounts[dir] = target;
      buildpacks.push({ name: nameOfUrl(entry), entry, dir: target, hostDir: dir, builtin: false });
    }
  } catch (err) {
    await cleanup();
    throw err;
  }
  return { buildpacks, mounts, cleanup, chosen: true, source };
}

/** "https://git.example.com/x/heroku-buildpack-tools.git#v1" -> "heroku-buildpack-tools". */
export function nameOfUrl(url: string): string {
  const path = parseBuildpackUrl(url).repo.pathname.replace(/\/+$/, '');
  return path.split('/').pop()!.replace(/\.git$/, '').replace(/[^a-zA-Z0-9_.-]/g, '') || 'custom';
}
