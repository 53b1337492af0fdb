/**
 * The stack image (gantry/stack:bookworm): made once per machine, rebuilt only when stack/ or
 * the CA bundle change. The base comes from a registry when one answers, otherwise from
 * debootstrap + docker import (no registry needed).
 */
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import tar from 'tar-stream';
import type { Config } from '@gantry/config';
import { REPO_ROOT } from '@gantry/config';
import { buildImage, type Docker } from '@gantry/docker';

const run = promisify(execFile);
/** The base image under a stack image: gantry/stack:bookworm -> gantry/stack-base:bookworm. */
export function stackBaseOf(stackImage: string): string {
  const [repo, tag] = stackImage.split(':') as [string, string | undefined];
  return `${repo}-base:${tag ?? 'latest'}`;
}
const STACK_DIR = join(REPO_ROOT, 'stack');

export function stackDigest(config: Config): string {
  const h = createHash('sha256');
  for (const f of ['Dockerfile', 'gantry-launch']) h.update(readFileSync(join(STACK_DIR, f)));
  if (existsSync(config.GANTRY_CA_BUNDLE)) h.update(readFileSync(config.GANTRY_CA_BUNDLE));
  return h.digest('hex').slice(0, 16);
}

async function imageLabel(docker: Docker, ref: string, label: string): Promise<string | null | undefined> {
  try {
    return (await docker.getImage(ref).inspect()).Config?.Labels?.[label] ?? null;
  } catch {
    return undefined; // no such image
  }
}

/** The Debian mirror this machine's apt uses (debootstrap must use a reachable one). */
export function aptMirror(): string {
  const candidates = ['/etc/apt/sources.list.d/debian.sources', '/etc/apt/sources.list'];
  for (const f of candidates) {
    if (!existsSync(f)) continue;
    const text = readFileSync(f, 'utf8');
    const m = /^URIs:\s*(\S+\/debian)\s*$/m.exec(text) ?? /^deb\s+(?:\[[^\]]*\]\s+)?(\S+\/debian)\s+bookworm/m.exec(text);
    if (m) return m[1]!;
  }
  return 'http://deb.debian.org/debian';
}

async function pullBase(docker: Docker, base: string, say: (m: string) => void): Promise<boolean> {
  try {
    const stream = await docker.pull('debian:bookworm-slim');
    await new Promise<void>((resolve, reject) => docker.modem.followProgress(stream, (err) => (err ? reject(err) : resolve())));
  } catch {
    return false;
  }
  say('Pulled debian:bookworm-slim; adding ca-certificates and curl');
  const dockerfile = 'FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl && rm -rf /var/lib/apt/lists/*\n';
  await buildImage(docker, { context: tarStream({ Dockerfile: dockerfile }), tag: base }, () => {});
  return true;
}

async function debootstrapBase(docker: Docker, base: string, say: (m: string) => void): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'gantry-stack-'));
  try {
    const mirror = aptMirror();
    say(`No registry reachable: building the base with debootstrap from ${mirror} (about 30 s)`);
    await run('debootstrap', ['--variant=minbase', '--include=ca-certificates,curl', 'bookworm', dir, mirror], { maxBuffer: 64 * 1024 * 1024 });
    const tarProc = spawn('tar', ['-C', dir, '-c', '.'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const [repo, tag] = base.split(':') as [string, string];
    const res = await docker.importImage(tarProc.stdout, { repo, tag });
    await new Promise<void>((resolve, reject) => docker.modem.followProgress(res, (err) => (err ? reject(err) : resolve())));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Makes sure the stack image exists and is current. Returns what it did. */
export async function ensureStack(docker: Docker, config: Config, say: (m: string) => void): Promise<'current' | 'built'> {
  const digest = stackDigest(config);
  if ((await imageLabel(docker, config.GANTRY_STACK_IMAGE, 'gantry.stack.digest')) === digest) return 'current';
  const base = stackBaseOf(config.GANTRY_STACK_IMAGE);
  if ((await imageLabel(docker, base, 'x')) === undefined && !(await pullBase(docker, base, say))) await debootstrapBase(docker, base, say);
  say(`Building ${config.GANTRY_STACK_IMAGE}`);
  const files: Record<string, string | Buffer> = {
    Dockerfile: readFileSync(join(STACK_DIR, 'Dockerfile')),
    'gantry-launch': readFileSync(join(STACK_DIR, 'gantry-launch')),
    'ca-certificates.crt': existsSync(config.GANTRY_CA_BUNDLE) ? readFileSync(config.GANTRY_CA_BUNDLE) : '',
  };
  await buildImage(
    docker,
    { context: tarStream(files), tag: config.GANTRY_STACK_IMAGE, buildArgs: { BASE: base }, labels: { 'gantry.stack.digest': digest } },
    () => {},
  );
  return 'built';
}

function tarStream(files: Record<string, string | Buffer>) {
  const pack = tar.pack();
  for (const [name, content] of Object.entries(files)) pack.entry({ name, mode: name === 'gantry-launch' ? 0o755 : 0o644 }, content);
  pack.finalize();
  return Readable.from(pack);
}
