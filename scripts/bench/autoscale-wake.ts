/**
 * bench:autoscale (c): the wake latency of a sleeping Node app beside a plain `docker start`.
 *   wake:          `gantry ps:sleep --now`, wait until `gantry ps` says sleeping and the API lists
 *                  no web instance, then GET / through the router (which holds it until an
 *                  instance is up): from sending it to its 200;
 *   docker start:  a copy of one of the app's containers (same image, command, environment,
 *                  memory and CPU shares; published on a loopback port; outside Gantry, so
 *                  nothing restarts it), `docker stop`, then from `docker start` until GET / on
 *                  its port answers 200 (polled every 5 ms).
 * Alternating, one of each per round, so that both see the same machine. Both include the app's
 * own service time (25 ms). Skipped, and said so, when the CLI has no ps:sleep.
 */
import { createServer } from 'node:net';
import { connectDocker, type Docker } from '@gantry/docker';
import { INSTANCE_PORT } from '@gantry/scheduler-core';
import type { WakeFigures } from './autoscale-figures';
import { INSTANCE, type AutoscaleBench } from './autoscale-setup';
import { sleep } from './autoscale-watch';
import { get, until } from './http';

const APP = 'as-wake';
export const NOT_AVAILABLE = 'not available: ps:sleep is not in this build';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** A stopped copy of the app's first web container, published on a loopback port; its id and port. */
async function copyOfContainer(docker: Docker): Promise<{ id: string; port: number }> {
  const found = await docker.listContainers({ filters: { label: [`gantry.instance=${INSTANCE}`, `gantry.app=${APP}`, 'gantry.process.type=web'] } });
  if (found.length === 0) throw new Error(`no running web container of ${APP} to copy`);
  const c = await docker.getContainer(found[0]!.Id).inspect();
  const port = await freePort();
  const copy = await docker.createContainer({
    name: `gantry-bench-autoscale-wake-${Date.now()}`,
    Image: c.Image,
    Cmd: c.Config.Cmd,
    Entrypoint: c.Config.Entrypoint,
    Env: c.Config.Env,
    User: c.Config.User,
    WorkingDir: c.Config.WorkingDir,
    ExposedPorts: { [`${INSTANCE_PORT}/tcp`]: {} },
    Labels: { 'gantry.bench': 'autoscale-wake' },
    HostConfig: {
      Init: true,
      Memory: c.HostConfig.Memory,
      CpuShares: c.HostConfig.CpuShares,
      PortBindings: { [`${INSTANCE_PORT}/tcp`]: [{ HostIp: '127.0.0.1', HostPort: String(port) }] },
    },
  });
  return { id: copy.id, port };
}

/** docker start of the stopped copy until GET / answers 200 (ms). */
async function timedStart(docker: Docker, copy: { id: string; port: number }): Promise<number> {
  const container = docker.getContainer(copy.id);
  const t0 = performance.now();
  await container.start();
  await until('the copy answering 200', async () => (await get(copy.port, 'localhost', '/', 2000)).status === 200, 60_000, 5);
  const ms = performance.now() - t0;
  await container.stop();
  return ms;
}

async function putToSleep(b: AutoscaleBench): Promise<void> {
  const slept = await b.cli(['ps:sleep', '--now', '-a', APP]);
  if (slept.code !== 0) throw new Error(`gantry ps:sleep --now: exit ${slept.code}: ${slept.stderr.trim()}`);
  await until(
    `${APP} asleep (ps says sleeping, no web instance)`,
    async () => {
      const ps = await b.cli(['ps', '-a', APP]);
      return ps.code === 0 && /sleeping/.test(ps.stdout + ps.stderr) && (await b.client.ps(APP)).filter((i) => i.process.startsWith('web.')).length === 0;
    },
    120_000,
    500,
  );
}

/** GET / on the sleeping app, through the router, until its 200 (ms). */
async function timedWake(b: AutoscaleBench): Promise<number> {
  const t0 = performance.now();
  const r = await get(b.config.GANTRY_ROUTER_PORT, b.hostOf(APP), '/', 120_000);
  const ms = performance.now() - t0;
  if (r.status !== 200) throw new Error(`the wake request got HTTP ${r.status}: ${r.body.slice(0, 200)}`);
  return ms;
}

export async function measureWake(b: AutoscaleBench, samples: number): Promise<WakeFigures | { skipped: string }> {
  console.log(`(c) wake: ${APP}, ${samples} wakes beside ${samples} docker starts of a copy of its container, alternating`);
  await b.deploy(APP);
  // A harmless ps:sleep first: a CLI without the command says so (a usage error, exit 2).
  const probe = await b.cli(['ps:sleep', '--off', '-a', APP]);
  if (probe.code !== 0) {
    if (/is not a gantry command|unknown option/.test(probe.stderr)) return { skipped: NOT_AVAILABLE };
    throw new Error(`gantry ps:sleep --off: exit ${probe.code}: ${probe.stderr.trim()}`);
  }
  const docker = connectDocker(b.config.DOCKER_HOST);
  const awakeMemoryBytes = await instanceMemory(docker);
  const copy = await copyOfContainer(docker);
  b.onCleanup('removing the copy of the container', () => docker.getContainer(copy.id).remove({ force: true }));
  const wakeMs: number[] = [];
  const startMs: number[] = [];
  for (let i = 1; i <= samples; i++) {
    await putToSleep(b);
    wakeMs.push(await timedWake(b));
    startMs.push(await timedStart(docker, copy));
    console.log(`  ${i}/${samples}: wake ${(wakeMs.at(-1)! / 1000).toFixed(2)} s, docker start ${(startMs.at(-1)! / 1000).toFixed(2)} s`);
    await sleep(1000);
  }
  await b.cli(['ps:sleep', '--off', '-a', APP]);
  return { wakeMs, startMs, awakeMemoryBytes };
}

/** The awake app's web instance's memory: docker stats' usage less its page cache (as `docker stats` shows). */
async function instanceMemory(docker: Docker): Promise<number> {
  const found = await docker.listContainers({ filters: { label: [`gantry.instance=${INSTANCE}`, `gantry.app=${APP}`, 'gantry.process.type=web'] } });
  if (found.length === 0) throw new Error(`no running web container of ${APP}`);
  const stats = (await docker.getContainer(found[0]!.Id).stats({ stream: false })) as { memory_stats: { usage?: number; stats?: Record<string, number> } };
  const m = stats.memory_stats;
  return (m.usage ?? 0) - (m.stats?.inactive_file ?? m.stats?.total_inactive_file ?? 0);
}
