/**
 * The add-on server images (gantry/postgres:<digest>, gantry/redis:<digest>): Debian's
 * PostgreSQL 15 / Redis 7 installed on the stack image by the Dockerfiles of stack/addons/<kind>/,
 * with their entrypoints (gantry-postgres, gantry-redis: the contract the add-on's backing app
 * relies on is written at the top of each). No registry is needed: apt reaches the Debian mirror
 * the stack image is configured with.
 *
 * The tag is a digest of the kind's files, the stack image's name and stackDigest(config), so the
 * control plane computes the ref without Docker (addonImageRef) and the image is rebuilt only when
 * one of them changes (ensureAddonImages).
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import type { Config } from '@gantry/config';
import { REPO_ROOT } from '@gantry/config';
import { buildImage, type Docker } from '@gantry/docker';
import { imageExists } from './image-exists';
import { stackDigest } from './stack';

export type AddonKind = 'postgres' | 'redis';
export const ADDON_KINDS: readonly AddonKind[] = ['postgres', 'redis'];

/** Where the Dockerfile and entrypoint of each kind live (stack/addons/<kind>/). */
export const ADDON_IMAGES_DIR = join(REPO_ROOT, 'stack', 'addons');

const DESCRIPTION: Record<AddonKind, string> = {
  postgres: 'PostgreSQL 15 add-on server',
  redis: 'Redis 7 add-on server',
};

interface ContextFile {
  name: string;
  mode: number;
  content: Buffer;
}

/** The build context of a kind: every file of its directory, in name order. */
function contextFiles(kind: AddonKind, dir: string): ContextFile[] {
  const kindDir = join(dir, kind);
  if (!existsSync(join(kindDir, 'Dockerfile'))) throw new Error(`No add-on image for "${kind}": ${kindDir}/Dockerfile is missing`);
  return readdirSync(kindDir)
    .sort()
    .map((name) => ({
      name,
      // Scripts are executable in the image whatever the checkout's modes are.
      mode: name === 'Dockerfile' ? 0o644 : 0o755,
      content: readFileSync(join(kindDir, name)),
    }));
}

/** The digest an add-on image is tagged with (16 hex digits). */
export function addonImageDigest(config: Config, kind: AddonKind, dir = ADDON_IMAGES_DIR): string {
  const h = createHash('sha256').update(`${kind}\0${config.GANTRY_STACK_IMAGE}\0${stackDigest(config)}`);
  for (const f of contextFiles(kind, dir)) h.update(`\0${f.name}\0${f.mode}\0`).update(f.content);
  return h.digest('hex').slice(0, 16);
}

/** The ref of the add-on image of this code and this stack: gantry/<kind>:<digest>. Pure, no Docker. */
export function addonImageRef(config: Config, kind: AddonKind, dir = ADDON_IMAGES_DIR): string {
  return `gantry/${kind}:${addonImageDigest(config, kind, dir)}`;
}

function contextOf(files: ContextFile[]): Readable {
  const pack = tar.pack();
  for (const f of files) pack.entry({ name: f.name, mode: f.mode }, f.content);
  pack.finalize();
  return Readable.from(pack);
}

async function ensureOne(docker: Docker, config: Config, kind: AddonKind, dir: string, say: (m: string) => void): Promise<string> {
  const digest = addonImageDigest(config, kind, dir);
  const ref = `gantry/${kind}:${digest}`;
  if (await imageExists(docker, ref)) return ref;
  say(`Building ${ref} (${DESCRIPTION[kind]})`);
  const lines: string[] = [];
  try {
    await buildImage(
      docker,
      {
        context: contextOf(contextFiles(kind, dir)),
        tag: ref,
        buildArgs: { STACK: config.GANTRY_STACK_IMAGE },
        labels: { 'gantry.role': 'addon', 'gantry.addon.kind': kind, 'gantry.addon.digest': digest },
      },
      (l) => lines.push(l),
    );
  } catch (err) {
    throw new Error(`Building ${ref} failed: ${(err as Error).message}\n${lines.slice(-20).join('\n')}`);
  }
  return ref;
}

/**
 * Makes sure the add-on images of this code exist on `docker` (the stack image must be current:
 * call ensureStack first). Both build at once (apt downloads overlap). Returns their refs.
 * A stack image that is present but not this code's is built on all the same (several checkouts
 * share one engine and its one stack tag; refusing would make them take turns rebuilding it).
 */
export async function ensureAddonImages(docker: Docker, config: Config, say: (m: string) => void, dir = ADDON_IMAGES_DIR): Promise<Record<AddonKind, string>> {
  const missing = [];
  for (const kind of ADDON_KINDS) if (!(await imageExists(docker, addonImageRef(config, kind, dir)))) missing.push(kind);
  if (missing.length && !(await imageExists(docker, config.GANTRY_STACK_IMAGE))) {
    throw new Error(`Cannot build the ${missing.join(' and ')} add-on image${missing.length > 1 ? 's' : ''}: the stack image ${config.GANTRY_STACK_IMAGE} is not on this Docker engine (ensureStack / npm run up makes it)`);
  }
  const results = await Promise.allSettled(ADDON_KINDS.map((kind) => ensureOne(docker, config, kind, dir, say)));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  const refs = results.map((r) => (r as PromiseFulfilledResult<string>).value);
  return Object.fromEntries(ADDON_KINDS.map((kind, i) => [kind, refs[i]!])) as Record<AddonKind, string>;
}
