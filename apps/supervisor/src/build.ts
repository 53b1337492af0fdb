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
  return Object.entries(m.inputs).every(([f, h]) => existsSync(join(REPO_ROOT, f)) && sha(join(REPO_ROOT, f)) === h);
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

/**
 * Third-party packages bundled rather than loaded from node_modules (with everything they load),
 * so that what they load and Gantry never uses can be left out (LEFT_OUT).
 */
const BUNDLED_PACKAGES = new Set(['dockerode', 'docker-modem']);
/**
 * Loaded by dockerode at import, never used by Gantry, left out of the build: the SSH transport
 * (ssh2: WebAssembly, crypto and a native binding) and BuildKit sessions (gRPC, protobuf). Gantry
 * reaches engines over a unix socket or TLS and builds with the classic builder. About 11 MB
 * resident in each process that talks to Docker (measured with the agent's imports).
 */
const LEFT_OUT = new Set(['ssh2', '@grpc/grpc-js', '@grpc/proto-loader', 'protobufjs']);

const packageOf = (spec: string) => spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/');

/**
 * What is bundled: workspace packages, relative imports, BUNDLED_PACKAGES and whatever those load
 * (anything imported from inside node_modules); the rest of node_modules stays external.
 */
const dependencies: Plugin = {
  name: 'gantry-dependencies',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      const pkg = packageOf(args.path);
      if (LEFT_OUT.has(pkg)) return { path: pkg, namespace: 'left-out' };
      if (pkg.startsWith('@gantry/') || BUNDLED_PACKAGES.has(pkg) || args.importer.includes('/node_modules/')) return undefined;
      return { path: args.path, external: true };
    });
    // Any use says plainly what is missing (at import, reading a property is allowed: they are
    // required at the top of files whose functions Gantry never calls).
    b.onLoad({ filter: /.*/, namespace: 'left-out' }, (args) => ({
      loader: 'js',
      contents: `const why = ${JSON.stringify(`${args.path} is left out of Gantry's production build (apps/supervisor/src/build.ts, LEFT_OUT)`)};
module.exports = new Proxy({}, { get: (_, key) => (key === '__esModule' ? false : function leftOut() { throw new Error(why); }) });`,
    }));
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
    plugins: [dependencies, sourceUrls],
  });
  const inputs: Record<string, string> = {};
  // Files only: the left-out stand-ins are inputs too ("left-out:ssh2"), made by this build itself.
  for (const f of [...Object.keys(result.metafile.inputs).filter((f) => !f.startsWith('left-out:')), ...ALSO_HASHED]) inputs[f] = sha(join(REPO_ROOT, f));
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
