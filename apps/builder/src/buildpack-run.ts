/**
 * How the builder container runs a buildpack's scripts, the way Heroku does: whatever their file
 * mode (third-party buildpacks are often committed without the executable bit), with the
 * buildpack's own directory as working directory, and, for bin/compile, after sourcing the
 * `export` file of every buildpack before it (the multi-buildpack contract).
 *
 *   /buildpacks (ro, built-ins) ──stage──> /tmp/buildpacks/builtin/<name>   (writable copies, bin/* chmod +x)
 *   /buildpack-custom/N (ro, fetched) ──stage──> /tmp/buildpacks/N-<name>
 *   run: source exports of 1..i-1 -> cd <dir> -> <dir>/bin/compile /app /cache/<name> /tmp/env
 *
 * Both steps are constant bash scripts; every path travels as an argv argument, never spliced
 * into the script. A script without a shebang runs as a bash script (bash's own fallback).
 */
import type { Buildpack } from './buildpacks';

/** Where buildpacks are copied inside the builder container (removed with /tmp before the commit). */
export const STAGE_ROOT = '/tmp/buildpacks';
export const ENV_DIR = '/tmp/env';
export const BUILD_DIR = '/app';

/**
 * Args: pairs of (read-only source, writable copy), then "--", then cache dirs to create. The
 * built-in buildpacks are copied as one tree: they share ../lib.
 */
export const STAGE_SCRIPT = [
  'set -e',
  'while [ "$#" -ge 2 ] && [ "$1" != -- ]; do',
  '  mkdir -p "$2"',
  '  cp -a "$1/." "$2/"',
  '  for f in "$2"/bin/* "$2"/*/bin/*; do if [ -f "$f" ]; then chmod a+rx "$f"; fi; done',
  '  shift 2',
  'done',
  'shift',
  'if [ "$#" -gt 0 ]; then mkdir -p "$@"; fi',
].join('\n');

/** Args: buildpack dir, script name (detect/compile/release), count of export files, the files, then the script's args. */
export const RUN_SCRIPT = [
  '__gantry_bp=$1 __gantry_bin=$2 __gantry_n=$3',
  'shift 3',
  'while [ "$__gantry_n" -gt 0 ]; do',
  '  if [ -f "$1" ]; then . "$1"; fi',
  '  shift; __gantry_n=$((__gantry_n - 1))',
  'done',
  'cd "$__gantry_bp" || exit 1',
  '"$__gantry_bp/bin/$__gantry_bin" "$@"',
].join('\n');

/** A buildpack of this build, copied where it may write (its `export`) and run. */
export interface StagedBuildpack extends Buildpack {
  /** The writable copy: /tmp/buildpacks/<n>-<name>. */
  staged: string;
  cache: string;
}

export function staged(buildpacks: Buildpack[]): StagedBuildpack[] {
  return buildpacks.map((bp, i) => ({
    ...bp,
    staged: bp.builtin ? `${STAGE_ROOT}/builtin/${bp.name}` : `${STAGE_ROOT}/${i + 1}-${bp.name}`,
    cache: `/cache/${bp.name}`,
  }));
}

/** Copies the built-in tree (once, if used) and each fetched buildpack; creates the cache dirs. */
export function stageArgv(bps: StagedBuildpack[], builtinMount: string): string[] {
  const copies = bps.filter((b) => !b.builtin).flatMap((b) => [b.dir, b.staged]);
  if (bps.some((b) => b.builtin)) copies.unshift(builtinMount, `${STAGE_ROOT}/builtin`);
  return ['bash', '-c', STAGE_SCRIPT, 'gantry-stage', ...copies, '--', ...new Set(bps.map((b) => b.cache))];
}

/** bin/detect or bin/release of one buildpack: `<dir>/bin/<script> /app`. */
export function scriptArgv(bp: StagedBuildpack, script: 'detect' | 'release'): string[] {
  return ['bash', '-c', RUN_SCRIPT, 'gantry-buildpack', bp.staged, script, '0', BUILD_DIR];
}

/** bin/compile BUILD_DIR CACHE_DIR ENV_DIR, after the exports of the buildpacks that ran before. */
export function compileArgv(bp: StagedBuildpack, before: StagedBuildpack[]): string[] {
  const exports = before.map((b) => `${b.staged}/export`);
  return ['bash', '-c', RUN_SCRIPT, 'gantry-buildpack', bp.staged, 'compile', String(exports.length), ...exports, BUILD_DIR, bp.cache, ENV_DIR];
}
