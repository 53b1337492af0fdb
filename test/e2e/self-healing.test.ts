/**
 * Instances come back whatever stopped them (issue 12, part 1). One lab host (a real dockerd in its
 * own network namespace) runs every instance of three apps; the local host is drained meanwhile.
 *
 *   - an instance's container is stopped (`docker stop`) and its host's agent SIGKILLed: the agent
 *     that the supervisor starts again adopts the stopped container and starts it
 *   - an instance's container is removed behind Gantry's back: it is replaced (before the daemon
 *     restart: a lab engine restarted in this machine's private mount namespace may later fail to
 *     remove containers with overlay2 "device or resource busy", which the agent tolerates but a
 *     test's own removal would not)
 *   - the host's Docker daemon restarts (its containers stop, then come back with new published
 *     ports): every instance is healthy and routed again at its new port
 *
 * Seconds from Docker answering again until every instance is routed are printed (goal: 10 s;
 * the standards keep timings out of assertions).
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InstanceView } from '@gantry/api-client';
import { connectDocker, type Docker } from '@gantry/docker';
import { startLab, type Lab } from '@gantry/installer';
import { gantry, newUser, uniqueName, type TestUser } from './helpers/gantry';
import { push, repoFromFixture } from './helpers/git';
import { appGet, waitFor } from './helpers/http';
import { removeLabHosts } from './helpers/hosts';
import { findService } from './helpers/processes';

const APPS = 3;
const PER_APP = 2;

describe('self-healing on one lab host', () => {
  let lab: Lab;
  let docker: Docker;
  let admin: TestUser;
  let host: string;
  const apps: string[] = [];

  /** Every app runs PER_APP instances, all up and routed, and each answers at the address and port ps reports. */
  const allRouted = async (): Promise<boolean> => {
    for (const app of apps) {
      const list = (await admin.client.ps(app)).filter((i) => i.state !== 'stopping');
      if (list.length !== PER_APP || !list.every((i) => i.state === 'up' && i.routed && i.address && i.port)) return false;
      for (const i of list) if (!(await answers(app, i))) return false;
      if ((await appGet(app).catch(() => ({ status: 0 }))).status !== 200) return false;
    }
    return true;
  };
  const answers = (app: string, i: InstanceView) => statusAt(i.address!, i.port!, `${app}.${gantry().appsDomain}`).then((s) => s === 200);
  const containersOf = async (app: string) =>
    docker.listContainers({ all: true, filters: { label: [`gantry.instance=${gantry().instance}`, 'gantry.role=app', `gantry.app=${app}`] } });

  beforeAll(async () => {
    // Over mutual TLS, as a remote engine should be reached (hosts:add --tls-*).
    lab = await startLab({ prefix: 'heal', count: 1, tls: true });
    host = lab.hosts[0]!.name;
    docker = connectDocker(lab.hosts[0]!.dockerUrl, lab.hosts[0]!.tls);
    admin = await newUser('admin', { admin: true });
    await admin.client.addHost({ name: host, dockerUrl: lab.hosts[0]!.dockerUrl, address: lab.hosts[0]!.address, tls: lab.hosts[0]!.tls!, cpus: 2, memory: '16g' }); // room for apps of earlier files too: they move here while local drains
    await admin.client.drainHost('local');
    await waitFor('the lab host to be up', async () => (await admin.client.hosts()).some((h) => h.name === host && h.status === 'up'), 60_000);
    const repo = await repoFromFixture('dockerfile-app');
    for (let n = 0; n < APPS; n++) {
      const app = uniqueName('heal');
      apps.push(app);
      await admin.client.createApp(app);
      const pushed = await push(repo, app, admin.token);
      expect(pushed.code, pushed.output).toBe(0);
      await admin.client.updateFormation(app, { web: { quantity: PER_APP } });
    }
    await waitFor('every instance routed', allRouted, 120_000, 500);
  });

  afterAll(async () => {
    for (const app of apps) await admin?.client.destroyApp(app).catch(() => {});
    if (admin && host) await removeLabHosts(admin.client, [host]);
    await lab?.stop();
  });

  it('starts again an instance that was stopped while its agent restarted', async () => {
    const [victim] = await containersOf(apps[0]!);
    expect(victim).toBeDefined();
    await docker.getContainer(victim!.Id).stop({ t: 1 });
    const agent = await findService(gantry().instance, `agent-${host}`);
    expect(agent, 'the lab host agent process').toBeDefined();
    const t0 = Date.now();
    process.kill(agent!.pid, 'SIGKILL');
    await waitFor('the stopped instance running and routed again', async () => (await docker.getContainer(victim!.Id).inspect()).State.Running && (await allRouted()), 60_000, 250);
    console.log(`[self-healing] stopped instance + agent SIGKILL: every instance routed again after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const again = await findService(gantry().instance, `agent-${host}`);
    expect(again?.pid).not.toBe(agent!.pid);
  });

  it('replaces an instance whose container was removed behind its back', async () => {
    const app = apps[1]!;
    const [victim] = await containersOf(app);
    await docker.getContainer(victim!.Id).remove({ force: true });
    await waitFor('a replacement routed', async () => (await containersOf(app)).filter((c) => c.State === 'running').length === PER_APP && (await allRouted()), 60_000, 250);
  });

  it('brings every instance back, routed at its new port, after the Docker daemon restarts', async () => {
    const before = new Map((await Promise.all(apps.map((a) => admin.client.ps(a)))).flat().map((i) => [`${i.process}@${i.address}`, i.port]));
    const answeredAt = await lab.restartDocker(host);
    await waitFor('every instance routed after the daemon restart', allRouted, 90_000, 250);
    const seconds = (Date.now() - answeredAt) / 1000;
    console.log(`[self-healing] Docker daemon restart with ${APPS * PER_APP} instances: every instance routed ${seconds.toFixed(1)} s after Docker answered again (goal 10 s)`);
    const after = (await Promise.all(apps.map((a) => admin.client.ps(a)))).flat();
    // Published ports are new after a daemon restart: routes that kept the old ones would fail.
    expect(after.some((i) => before.get(`${i.process}@${i.address}`) !== i.port)).toBe(true);
  });
});

/** GET / straight at an instance's published address and port (not through the router). */
function statusAt(address: string, port: number, host: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: address, port, path: '/', headers: { host }, agent: false, timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
    req.end();
  });
}
