/**
 * Gantry across several real Docker hosts: three dockerds in their own network namespaces on this
 * machine (packages/installer/src/lab), each with an agent run by the control plane. The local
 * host is drained for the duration, so every instance lands on the lab hosts.
 *
 * Spread and bin-pack, constraints, a killed instance, deploys under load, a failing deploy,
 * draining a host, two schedulers at once, and a host that dies and comes back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InstanceView } from '@gantry/api-client';
import { connectDocker } from '@gantry/docker';
import { startLab, type Lab } from '@gantry/installer';
import { gantry, newUser, uniqueName, type TestUser } from './helpers/gantry';
import { push, repoFromFixture, writeAndCommit } from './helpers/git';
import { appGet, waitFor } from './helpers/http';
import { Poller } from './helpers/load';
import { cliHome, gantryCli } from './helpers/cli';
import { spawnScheduler } from './helpers/processes';
import { removeLabHosts } from './helpers/hosts';

const up = (list: InstanceView[]) => list.filter((i) => i.state === 'up');
const perHost = (list: InstanceView[]) => {
  const counts: Record<string, number> = {};
  for (const i of up(list)) counts[i.host!] = (counts[i.host!] ?? 0) + 1;
  return counts;
};

describe('a cluster of three hosts', () => {
  let lab: Lab;
  let admin: TestUser;
  let app: string;
  let repo: string;
  let names: string[];

  /** Waits until the app runs exactly `n` instances, all up (and nothing else but stopping ones). */
  const settled = (n: number, extra: (list: InstanceView[]) => boolean = () => true, timeoutMs = 90_000) =>
    waitFor(
      `${n} instances up`,
      async () => {
        const list = (await admin.client.ps(app)).filter((i) => i.state !== 'stopping');
        return list.length === n && up(list).length === n && extra(list) ? list : null;
      },
      timeoutMs,
    );

  /** Running instances are never rebalanced: scale to zero and back for an even spread. */
  const respread = async (n = 3) => {
    await admin.client.updateFormation(app, { web: { quantity: 0 } });
    await waitFor('no instances', async () => (await admin.client.ps(app)).filter((i) => i.state !== 'stopping').length === 0);
    await admin.client.updateFormation(app, { web: { quantity: n } });
    return settled(n, (l) => Object.keys(perHost(l)).length === Math.min(n, 3));
  };

  beforeAll(async () => {
    lab = await startLab({ prefix: 'e2e', count: 3 });
    names = lab.hosts.map((h) => h.name);
    admin = await newUser('admin', { admin: true });
    for (const [i, h] of lab.hosts.entries()) {
      await admin.client.addHost({ name: h.name, dockerUrl: h.dockerUrl, address: h.address, labels: { region: i === 0 ? 'eu' : 'us' }, cpus: 2, memory: '4g', insecure: true });
    }
    await admin.client.drainHost('local');
    await waitFor('the lab hosts to be up', async () => (await admin.client.hosts()).filter((h) => names.includes(h.name) && h.status === 'up').length === 3, 60_000);

    app = uniqueName('cluster');
    await admin.client.createApp(app);
    repo = await repoFromFixture('dockerfile-app');
    const pushed = await push(repo, app, admin.token);
    expect(pushed.code, pushed.output).toBe(0);
  });

  afterAll(async () => {
    await admin?.client.destroyApp(app).catch(() => {});
    if (admin && names) await removeLabHosts(admin.client, names);
    await lab?.stop();
  });

  it('spreads replicas: 3 instances one per host, 6 two per host, and explains why (through the CLI)', async () => {
    const home = cliHome();
    const login = await gantryCli(home, ['login', '--api', gantry().apiUrl, '--email', admin.email, '--password', admin.password]);
    expect(login.code, login.stderr).toBe(0);
    const cli = (...args: string[]) => gantryCli(home, [...args, '-a', app]);

    expect((await cli('ps:scale', 'web=3')).code).toBe(0);
    const three = await settled(3);
    expect(Object.values(perHost(three)).sort()).toEqual([1, 1, 1]);
    expect(Object.keys(perHost(three)).sort()).toEqual(names);

    const scaled = await cli('ps:scale', 'web=6');
    expect(scaled.stderr + scaled.stdout).toMatch(/now running web at 6:standard-1x/);
    const six = await settled(6);
    expect(Object.values(perHost(six))).toEqual([2, 2, 2]);
    const ps = await cli('ps');
    for (const n of names) expect(ps.stdout).toContain(n);

    const explain = await cli('ps:explain', 'web.4');
    expect(explain.code, explain.stderr).toBe(0);
    expect(explain.stdout).toMatch(/^web\.4 placed on e2e-[abc]/);
    expect(explain.stdout).toMatch(/spread/);
    expect(explain.stdout).toMatch(/binpack/);
    expect(explain.stdout).toMatch(/rejected by not-draining: host is draining/); // the local host

    const hosts = await gantryCli(home, ['hosts']);
    expect(hosts.code, hosts.stderr).toBe(0);
    expect(hosts.stdout).toMatch(/local\s+up, draining/);
    for (const n of names) expect(hosts.stdout).toMatch(new RegExp(`${n}\\s+up\\s+10\\.`));
  });

  it('sends a constrained process type only to matching hosts, and explains an impossible constraint', async () => {
    await admin.client.updateFormation(app, { web: { quantity: 2 } });
    await admin.client.setConstraints(app, 'web', ['region=eu']);
    const onEu = await settled(2, (l) => up(l).every((i) => i.host === 'e2e-a'));
    expect(perHost(onEu)).toEqual({ 'e2e-a': 2 });

    await admin.client.setConstraints(app, 'web', ['region=mars']);
    const pending = await waitFor('pending slots', async () => {
      const list = await admin.client.ps(app);
      return list.filter((i) => i.state === 'pending').length === 2 ? list : null;
    });
    expect(pending.find((i) => i.state === 'pending')!.message).toMatch(/not placed: 4 hosts rejected/);
    const explain = await admin.client.explain(app, 'web.1');
    expect(explain.placed).toBe(false);
    expect(explain.lines.join('\n')).toMatch(/constraint region=mars not met \(host has region=eu\)/);
    // The instances that ran keep serving until something can replace them.
    expect((await appGet(app)).status).toBe(200);

    await admin.client.setConstraints(app, 'web', []);
    await respread();
  });

  it('replaces a killed instance: it leaves routing, and requests fail at most in the first 2 s', async () => {
    const before = await settled(3);
    const victim = before.find((i) => i.host === 'e2e-b')!;
    const poller = new Poller(app, 2);
    await new Promise((r) => setTimeout(r, 500));
    const docker = connectDocker(lab.hosts.find((h) => h.name === 'e2e-b')!.dockerUrl);
    const [container] = await docker.listContainers({ filters: { label: [`gantry.alloc.id=${victim.id}`] } });
    const killedAt = Date.now();
    await docker.getContainer(container!.Id).kill();
    await waitFor('the killed instance to be back up', async () => {
      const list = await admin.client.ps(app);
      return up(list).length === 3 && list.find((i) => i.process === victim.process && i.state === 'up' && i.restarts > 0);
    });
    await new Promise((r) => setTimeout(r, 1000));
    const samples = await poller.stop();
    expect(Poller.failures(samples, killedAt + 2000)).toEqual([]);
    expect(samples.length).toBeGreaterThan(20);
  });

  it('deploys under steady load with no failed request, and a failing deploy leaves the old release serving', async () => {
    await settled(3);
    const poller = new Poller(app, 4);
    await writeAndCommit(repo, 'Procfile', 'web: GREETING=v2 perl /srv/server.pl\n');
    const deployed = await push(repo, app, admin.token);
    expect(deployed.code, deployed.output).toBe(0);
    await waitFor('v2 to answer', async () => (await appGet(app)).body.includes('greeting=v2'));

    await writeAndCommit(repo, 'Procfile', 'web: echo "this release is broken" >&2; exit 4\n');
    const broken = await push(repo, app, admin.token);
    expect(broken.code).not.toBe(0);
    expect(broken.output).toMatch(/did not become healthy: it exited with code 4/);
    await new Promise((r) => setTimeout(r, 2000));
    const samples = await poller.stop();
    expect(Poller.failures(samples)).toEqual([]);
    expect(samples.filter((s) => s.body?.includes('greeting=v2')).length).toBeGreaterThan(10);
    expect((await appGet(app)).body).toContain('greeting=v2');
    await writeAndCommit(repo, 'Procfile', 'web: GREETING=v2 perl /srv/server.pl\n');
  });

  it('drains a host with no failed request', async () => {
    await settled(3);
    const poller = new Poller(app, 2);
    await admin.client.drainHost('e2e-b');
    const moved = await settled(3, (l) => !l.some((i) => i.host === 'e2e-b'));
    expect(Object.keys(perHost(moved)).sort()).toEqual(['e2e-a', 'e2e-c']);
    await waitFor('e2e-b to run nothing', async () => (await admin.client.host('e2e-b')).instances.length === 0);
    const samples = await poller.stop();
    expect(Poller.failures(samples)).toEqual([]);
    await admin.client.undrainHost('e2e-b');
  });

  it('does not double-place with two schedulers running', async () => {
    const second = spawnScheduler(gantry().env);
    try {
      await admin.client.updateFormation(app, { web: { quantity: 5 } });
      await settled(5);
      await new Promise((r) => setTimeout(r, 3000)); // let both schedulers run a few passes
      const list = (await admin.client.ps(app)).filter((i) => i.state !== 'stopping');
      expect(list.map((i) => i.process).sort()).toEqual(['web.1', 'web.2', 'web.3', 'web.4', 'web.5']);
    } finally {
      second.kill('SIGTERM');
    }
    await admin.client.updateFormation(app, { web: { quantity: 3 } });
  });

  it('survives a host dying: its instances run elsewhere, failures stop after 2 s (time: npm run bench:scheduler)', async () => {
    await respread();
    const poller = new Poller(app, 2);
    await new Promise((r) => setTimeout(r, 500));
    const killedAt = Date.now();
    await lab.killHost('e2e-c');
    const after = await settled(3, (l) => !l.some((i) => i.host === 'e2e-c'), 30_000);
    const failoverMs = Date.now() - killedAt;
    await new Promise((r) => setTimeout(r, 1000));
    const samples = await poller.stop();
    console.log(`failover: ${failoverMs} ms; ${samples.length} requests, ${Poller.failures(samples).length} failed`);
    expect(Poller.failures(samples, killedAt + 2000)).toEqual([]);
    expect(Object.keys(perHost(after)).sort()).toEqual(['e2e-a', 'e2e-b']);

    // Back: the containers of the instances that were replaced are removed.
    await lab.restartHost('e2e-c');
    const docker = connectDocker(lab.hosts.find((h) => h.name === 'e2e-c')!.dockerUrl);
    await waitFor(
      'stale containers on e2e-c to be removed',
      async () => (await docker.listContainers({ all: true, filters: { label: [`gantry.app=${app}`] } })).length === 0,
      60_000,
    );
  });
});
