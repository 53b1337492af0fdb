/**
 * Production build of Gantry's services: each entry bundled by esbuild into plain JavaScript
 * (GANTRY_ROOT/.gantry/dist/<bundle>.mjs, one file each), so no TypeScript loader runs in
 * production. Workspace packages (@gantry/*) are bundled; third-party packages stay in
 * node_modules (the dist directory is inside the checkout, so Node resolves them from there).
 * A source's `import.meta.url` is replaced by that source's own URL, so paths computed from it
 * (the repository root, the git hook, openapi.yaml, Prisma's files) stay what they are under tsx.
 *
 * Redone only when an input changed: the last build's inputs (esbuild's metafile) and their
 * SHA-256 are kept in build.json; a build whose inputs all hash the same is current.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { REPO_ROOT } from '@gantry/config';
import { BUNDLES } from './services';

export const DIST_DIR = join(REPO_ROOT, '.gantry', 'dist');
const MANIFEST = 'build.json';
/** Files outside the import graph that change what the bundles do. */
const ALSO_HASHED = ['package-lock.json'];

interface Manifest {
  inputs: Record<string, string>;
}

const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

function isCurrent(dist: string): boolean {
  const file = join(dist, MANIFEST);
  if (!existsSync(file)) return false;
  const m = JSON.parse(readFileSync(file, 'utf8')) as Manifest;
  if (Object.keys(BUNDLES).some((b) => !existsSync(join(dist, `${b}.mjs`)))) return false;
  if (Object.keys(BUNDLES).some((b) => !(`bundle:${b}` in m.inputs))) return false;
  return Object.entries(m.inputs).every(([f, h]) => f.startsWith('bundle:') || (existsSync(join(REPO_ROOT, f)) && sha(join(REPO_ROOT, f)) === h));
}

/** Keeps `import.meta.url` meaning the source file it was written in. */
const sourceUrls: Plugin = {
  name: 'gantry-source-urls',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      return { contents: text.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)), loader: 'ts' };
    });
  },
};

/** Only workspace packages and relative imports are bundled. */
const thirdPartyExternal: Plugin = {
  name: 'gantry-external',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith('@gantry/') ? undefined : { path: args.path, external: true }));
  },
};

/**
 * Builds every bundle into `dist`, replacing what was there at once (built beside it, then
 * renamed), so a build never leaves half a directory to a process starting from it.
 */
export async function buildServices(dist = DIST_DIR): Promise<void> {
  const next = `${dist}.new-${process.pid}`;
  rmSync(next, { recursive: true, force: true });
  const result = await build({
    absWorkingDir: REPO_ROOT,
    entryPoints: Object.fromEntries(Object.entries(BUNDLES).map(([name, entry]) => [name, join(REPO_ROOT, entry)])),
    outdir: next,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outExtension: { '.js': '.mjs' },
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'silent',
    // Bundled CommonJS-style code (and third-party packages loaded through it) still calls require.
    banner: { js: "import { createRequire as __gantryRequire } from 'node:module'; const require = __gantryRequire(import.meta.url);" },
    plugins: [thirdPartyExternal, sourceUrls],
  });
  const inputs: Record<string, string> = {};
  for (const f of [...Object.keys(result.metafile.inputs), ...ALSO_HASHED]) inputs[f] = sha(join(REPO_ROOT, f));
  for (const b of Object.keys(BUNDLES)) inputs[`bundle:${b}`] = '';
  writeFileSync(join(next, MANIFEST), JSON.stringify({ inputs } satisfies Manifest));
  const old = `${dist}.old-${process.pid}`;
  if (existsSync(dist)) renameSync(dist, old);
  renameSync(next, dist);
  rmSync(old, { recursive: true, force: true });
}

/** The services' build, redone only when a source changed; returns the dist directory. */
export async function ensureServicesBuild(dist = DIST_DIR): Promise<{ dist: string; built: boolean }> {
  if (isCurrent(dist)) return { dist, built: false };
  await buildServices(dist);
  return { dist, built: true };
}
