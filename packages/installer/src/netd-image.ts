/**
 * The netd image (gantry/netd:<digest>): from scratch, this machine's own Node binary with the
 * shared libraries it links (as ldd lists them) + netd bundled into one file (apps/netd has no
 * dependencies, so esbuild makes a single module). About 110 MB, the size of Node itself: it
 * travels to every host (docker save/load) when it joins. No registry is needed. The digest
 * covers the bundle, the Node version and the libraries, so the image is rebuilt only when one
 * of them changes.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buildSync } from 'esbuild';
import tar from 'tar-stream';
import type { Config } from '@gantry/config';
import { REPO_ROOT } from '@gantry/config';
import { buildImage, type Docker } from '@gantry/docker';
import { imageExists } from './image-exists';

export const NETD_ENTRY = join(REPO_ROOT, 'apps', 'netd', 'src', 'main.ts');
export const NETD_REPO = 'gantry/netd';

// Node's flags as gantryd's lean ones (apps/supervisor/src/services.ts, LEAN_NODE_FLAGS): netd
// answers DNS queries and waits; every host runs one.
const DOCKERFILE = `FROM scratch
COPY rootfs/ /
ENTRYPOINT ["/usr/local/bin/node", "--max-semi-space-size=1", "--no-opt", "--max-lazy", "/opt/gantry-netd/netd.mjs"]
`;

/** The shared libraries a binary loads (absolute paths, the loader included), from ldd. */
export function sharedLibraries(binary: string): string[] {
  const out = execFileSync('ldd', [binary], { encoding: 'utf8' });
  const libs = new Set<string>();
  for (const line of out.split('\n')) {
    const m = /=>\s+(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (m) libs.add(m[1]!);
  }
  return [...libs].sort();
}

/** netd and everything it imports as one ES module for Node (only node: builtins stay imports). */
export function bundleNetd(): string {
  const out = buildSync({
    entryPoints: [NETD_ENTRY],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    legalComments: 'none',
    logLevel: 'silent',
  });
  return out.outputFiles[0]!.text;
}

function digestOf(bundle: string, _config: Config): string {
  const h = createHash('sha256').update(DOCKERFILE).update('\0').update(bundle).update('\0').update(process.version);
  for (const lib of sharedLibraries(process.execPath)) h.update('\0').update(lib).update(readFileSync(lib));
  return h.digest('hex').slice(0, 16);
}

/** The ref of the netd image for this code, this Node and this stack (what ensureNetdImage builds). */
export function netdImageRef(config: Config, bundle = bundleNetd()): string {
  return `${NETD_REPO}:${digestOf(bundle, config)}`;
}

function context(bundle: string, nodeBinary: string): Readable {
  const pack = tar.pack();
  pack.entry({ name: 'Dockerfile', mode: 0o644 }, DOCKERFILE);
  pack.entry({ name: 'rootfs/opt/gantry-netd/netd.mjs', mode: 0o644 }, bundle);
  pack.entry({ name: 'rootfs/usr/local/bin/node', mode: 0o755 }, readFileSync(nodeBinary));
  for (const lib of sharedLibraries(nodeBinary)) pack.entry({ name: `rootfs${lib}`, mode: 0o755 }, readFileSync(lib));
  pack.entry({ name: 'rootfs/tmp', type: 'directory', mode: 0o1777 });
  pack.finalize();
  return Readable.from(pack);
}

/**
 * Makes sure the netd image of this code exists on `docker` (the stack image must exist: call
 * ensureStack first). Returns its ref and whether it was built now.
 */
export async function ensureNetdImage(docker: Docker, config: Config, say: (m: string) => void): Promise<{ ref: string; built: boolean }> {
  const bundle = bundleNetd();
  const ref = netdImageRef(config, bundle);
  if (await imageExists(docker, ref)) return { ref, built: false };
  say(`Building ${ref} (netd, the private-name DNS responder)`);
  const lines: string[] = [];
  try {
    await buildImage(
      docker,
      { context: context(bundle, process.execPath), tag: ref, labels: { 'gantry.netd.digest': ref.split(':')[1]!, 'gantry.role': 'netd' } },
      (l) => lines.push(l),
    );
  } catch (err) {
    throw new Error(`Building ${ref} failed: ${(err as Error).message}\n${lines.slice(-20).join('\n')}`);
  }
  return { ref, built: true };
}
