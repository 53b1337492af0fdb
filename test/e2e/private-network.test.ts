/**
 * The private network on a lab of real Docker hosts (one dockerd per network namespace, joined to
 * the swarm of this machine's engine by hosts:add): a team's instances reach each other across
 * hosts at their private addresses, another team's cannot, and hosts join and leave while
 * requests flow.
 *
 *   pnet-a: cli (team 1), intruder (team 2)      pnet-b: srv (team 1)      pnet-c: added, removed
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '@gantry/config';
import type { InstanceView } from '@gantry/api-client';
import { connectDocker } from '@gantry/docker';
import { startLab, type Lab } from '@gantry/installer';
import { gantry, newUser, uniqueName, type TestUser } from './helpers/gantry';
import { push, repoFromFixture } from './helpers/git';
import { appGet, waitFor } from './helpers/http';
import { removeLabHosts } from './helpers/hosts';
import { cliHome, gantryCli } from './helpers/cli';

describe('the private network across hosts', () => {
  let lab: Lab;
  let admin: TestUser;
  let stranger: TestUser;
  let names: string[];
  const srv = uniqueName('srv');
  const cli = uniqueName('cli');
  const intruder = uniqueName('intruder');

  const upOn = (owner: TestUser, app: string, host: string) =>
    waitFor(
      `${app} up on ${host}`,
      async () => {
        const list = (await owner.client.ps(app)).filter((i) => i.state !== 'stopping');
        return list.length === 1 && list[0]!.state === 'up' && list[0]!.host === host && list[0]!.privateIp ? list[0]! : null;
      },
      120_000,
    );

  /** What `from` gets when it fetches `url` from inside its instance. */
  const fetchFrom = async (from: string, url: string) => (await appGet(from, `/fetch?url=${encodeURIComponent(url)}`)).body.trim();

  const deploy = async (owner: TestUser, app: string, side: string): Promise<InstanceView> => {
    await owner.client.createApp(app);
    const pushed = await push(await repoFromFixture('private-net'), app, owner.token);
    expect(pushed.code, pushed.output).toBe(0);
    await owner.client.updateFormation(app, { worker: { quantity: 0 } });
    await owner.client.setConstraints(app, 'web', [`side=${side}`]);
    return upOn(owner, app, `pnet-${side}`);
  };

  beforeAll(async () => {
    lab = await startLab({ prefix: 'pnet', count: 3 });
    names = lab.hosts.map((h) => h.name);
    admin = await newUser('admin', { admin: true });
    stranger = await newUser('stranger');
    for (const h of lab.hosts.slice(0, 2)) {
      await admin.client.addHost({ name: h.name, dockerUrl: h.dockerUrl, address: h.address, labels: { side: h.name.slice(-1) }, cpus: 2, memory: '4g', insecure: true });
    }
    await admin.client.drainHost('local');
    await waitFor('the lab hosts to be up', async () => (await admin.client.hosts()).filter((h) => names.includes(h.name) && h.status === 'up').length === 2, 60_000);
  }, 120_000);

  afterAll(async () => {
    for (const [owner, app] of [[admin, srv], [admin, cli], [stranger, intruder]] as const) await owner?.client.destroyApp(app).catch(() => {});
    if (admin && names) await removeLabHosts(admin.client, names);
    await lab?.stop();
  });

  it('joins hosts to the swarm of the control plane engine when they are added', async () => {
    const manager = connectDocker(gantry().env.DOCKER_HOST ?? process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock');
    const nodes = (await manager.listNodes()) as { Description: { Hostname: string }; Status: { State: string; Addr: string } }[];
    for (const h of lab.hosts.slice(0, 2)) {
      expect(nodes.find((n) => n.Status.Addr === h.address && n.Status.State === 'ready'), `${h.name} in the swarm`).toBeTruthy();
    }
  });

  it("gives an instance on host A the private address of its team's app served only on host B; another team's app cannot connect to it", async () => {
    const [server, client, other] = await Promise.all([deploy(admin, srv, 'b'), deploy(admin, cli, 'a'), deploy(stranger, intruder, 'a')]);
    expect(server.host).toBe('pnet-b');
    expect(client.host).toBe('pnet-a');

    // It knows its own name and address.
    expect((await appGet(srv, '/')).body.trim()).toBe(`${srv} web.1 ${server.privateIp} web.1.${srv}.internal`);
    const info = await admin.client.appInfo(srv);
    expect(info.privateNames.map((n) => n.name)).toEqual([`${srv}.internal`, `web.${srv}.internal`, `worker.${srv}.internal`]);
    expect(info.privatePort).toBe(5000);

    // Same team, other host: reached at its private address on $PORT.
    expect(await fetchFrom(cli, `http://${server.privateIp}:5000/`)).toBe(`${srv} web.1 ${server.privateIp} web.1.${srv}.internal`);
    // Another team's instance (on cli's host) cannot reach it: no route into another team's network.
    expect(await fetchFrom(intruder, `http://${server.privateIp}:5000/`)).not.toContain(`${srv} web.1`);
    // Nor through the hosts' apps bridge: instances of one host cannot reach each other there.
    const ips = await Promise.all([client, other].map(async (i) => i.privateIp));
    expect(ips[0]).not.toBe(ips[1]);
    expect(await fetchFrom(intruder, `http://${client.privateIp}:5000/`)).not.toContain(`${cli} web.1`);
  });

  it("resolves the team's names to its up instances (type, app, instance), and nothing of another team's", async () => {
    const server = (await admin.client.ps(srv))[0]!;
    const resolve = async (from: string, name: string) => (await appGet(from, `/resolve?name=${encodeURIComponent(name)}`)).body.trim();
    expect(await waitFor('web.srv.internal from cli', async () => ((await resolve(cli, `web.${srv}.internal`)) === server.privateIp ? true : null), 10_000)).toBe(true);
    expect(await resolve(cli, `${srv}.internal`)).toBe(server.privateIp);
    expect(await resolve(cli, `web.1.${srv}.internal`)).toBe(server.privateIp);
    expect(await resolve(cli, `worker.${srv}.internal`)).toBe('ERR ENOTFOUND'); // scaled to 0: no name
    expect(await fetchFrom(cli, `http://web.${srv}.internal:5000/`)).toContain(`${srv} web.1 ${server.privateIp}`);
    // Another team's instance: the name does not exist for it.
    expect(await resolve(intruder, `web.${srv}.internal`)).toBe('ERR ENOTFOUND');
    expect(await resolve(intruder, `${srv}.internal`)).toBe('ERR ENOTFOUND');
    // (Names outside .internal are forwarded to the host's resolvers: test/integration/agent-netd.test.ts.
    // Lab hosts have no route to this machine's resolvers, so it cannot be seen from here.)
  });

  it('gives a one-off (gantry run) its private address and the names', async () => {
    const server = (await admin.client.ps(srv))[0]!;
    const home = cliHome();
    const login = await gantryCli(home, ['login', '--api', gantry().apiUrl, '--email', admin.email, '--password', admin.password]);
    expect(login.code, login.stderr).toBe(0);
    const script = `require('dns').promises.resolve4('web.${srv}.internal').then((a) => console.log('ips', a.join(','), process.env.GANTRY_PRIVATE_IP, process.env.GANTRY_INSTANCE))`;
    const r = await gantryCli(home, ['run', '-a', cli, '--', 'node', '-e', script]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`ips ${server.privateIp!.replace(/\./g, '\\.')} 100\\.\\d+\\.\\d+\\.\\d+ run\\.\\d+\\.${cli}\\.internal`));
  });

  it('keeps every request flowing while a host joins and another leaves', async () => {
    const server = (await admin.client.ps(srv))[0]!;
    const target = `http://${server.privateIp}:5000/`;
    let ok = 0;
    const failures: string[] = [];
    let stop = false;
    const flow = (async () => {
      while (!stop) {
        const body = await fetchFrom(cli, target).catch((err: Error) => `ERR ${err.message}`);
        if (body.startsWith(`${srv} web.1`)) ok++;
        else failures.push(body);
      }
    })();
    const c = lab.hosts[2]!;
    await admin.client.addHost({ name: c.name, dockerUrl: c.dockerUrl, address: c.address, labels: { side: 'c' }, cpus: 2, memory: '4g', insecure: true });
    await waitFor('pnet-c to be up', async () => (await admin.client.hosts()).find((h) => h.name === c.name)?.status === 'up', 60_000);
    const manager = connectDocker(process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock');
    const inSwarm = async () => ((await manager.listNodes()) as { Status: { Addr: string } }[]).some((n) => n.Status.Addr === c.address);
    expect(await inSwarm()).toBe(true);
    const engineC = connectDocker(c.dockerUrl);
    await waitFor('netd on pnet-c', async () => (await engineC.listContainers({ filters: { label: ['gantry.role=netd'] } })).length === 1, 60_000);
    await admin.client.removeHost(c.name);
    expect(await inSwarm()).toBe(false);
    // The removed host keeps nothing of the network: no netd, no apps bridge, no swarm.
    expect(await engineC.listContainers({ all: true, filters: { label: ['gantry.role=netd'] } })).toEqual([]);
    expect(await engineC.listNetworks({ filters: { label: ['gantry.network=apps'] } })).toEqual([]);
    expect(((await engineC.info()) as { Swarm: { LocalNodeState: string } }).Swarm.LocalNodeState).toBe('inactive');
    await new Promise((r) => setTimeout(r, 1000));
    stop = true;
    await flow;
    expect(failures).toEqual([]);
    expect(ok).toBeGreaterThan(10);
  });

  /** Watches `web.<srv>.internal` from cli every 50 ms; resolves with the answer `pred` accepts and when it came. */
  const answerWhen = async (pred: (ips: string[]) => boolean, timeoutMs = 20_000) => {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      last = (await appGet(cli, `/resolve?name=${encodeURIComponent(`web.${srv}.internal`)}`)).body.trim();
      const ips = last.startsWith('ERR') ? [] : last.split(',');
      if (pred(ips)) return { ips, at: Date.now() };
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`DNS answer still ${last} after ${timeoutMs} ms`);
  };
  const upIps = async () => (await admin.client.ps(srv)).filter((i) => i.state === 'up' && i.privateIp).map((i) => i.privateIp!).sort();
  const delays: Record<string, number> = {};

  it('follows scale up, a killed container and scale down in the DNS answers', async () => {
    await admin.client.updateFormation(srv, { web: { quantity: 2 } });
    const two = await waitFor('2 srv instances up', async () => ((await upIps()).length === 2 ? upIps() : null), 120_000);
    const upAt = Date.now();
    const joined = await answerWhen((ips) => ips.length === 2);
    delays.join = joined.at - upAt;
    expect(joined.ips.sort()).toEqual(two);
    // Rotated: the first address changes between answers.
    const firsts = new Set<string>();
    for (let i = 0; i < 6; i++) firsts.add((await answerWhen(() => true)).ips[0]!);
    expect(firsts.size).toBe(2);

    // docker kill one instance: it leaves the answers, and comes back once healthy again.
    const victim = (await admin.client.ps(srv)).find((i) => i.process === 'web.2')!;
    const engine = connectDocker(lab.hosts[1]!.dockerUrl);
    const [container] = await engine.listContainers({ filters: { label: [`gantry.alloc.id=${victim.id}`] } });
    const killedAt = Date.now();
    await engine.getContainer(container!.Id).kill();
    const left = await answerWhen((ips) => !ips.includes(victim.privateIp!));
    delays.kill = left.at - killedAt;
    await answerWhen((ips) => ips.length === 2, 60_000);

    await admin.client.updateFormation(srv, { web: { quantity: 1 } });
    const downAt = Date.now();
    const one = await answerWhen((ips) => ips.length === 1, 30_000);
    delays.scaleDown = one.at - downAt;
    console.log(`DNS follows: join ${delays.join} ms after ps shows it up, kill ${delays.kill} ms, scale down ${delays.scaleDown} ms after the request`);
    // The issue's bound is 2 s (bench:network measures it); doubled here for a shared, noisy machine.
    expect(delays.kill).toBeLessThan(4000);
    expect(delays.join).toBeLessThan(4000);
  });

  it("drops a cut host's instances from the answers", async () => {
    await answerWhen((ips) => ips.length === 1);
    const cutAt = Date.now();
    await lab.killHost(lab.hosts[1]!.name);
    const gone = await answerWhen((ips) => ips.length === 0, 30_000);
    delays.cut = gone.at - cutAt;
    console.log(`DNS follows a host cut in ${delays.cut} ms`);
    expect(delays.cut).toBeLessThan(4000);

    // The host comes back (same address, its engine still a member): its instance is up again
    // and reached by name across hosts, as before the cut.
    await lab.restartHost(lab.hosts[1]!.name);
    const back = await upOn(admin, srv, 'pnet-b');
    await answerWhen((ips) => ips.length === 1 && ips[0] === back.privateIp, 120_000);
    expect(await fetchFrom(cli, `http://web.${srv}.internal:5000/`)).toContain(`${srv} web.1 ${back.privateIp}`);
  });

  it('lets a host added with --remote join by itself once its agent runs there, and serves from it', async () => {
    const c = lab.hosts[2]!;
    await admin.client.addHost({ name: c.name, dockerUrl: c.dockerUrl, address: c.address, labels: { side: 'c' }, cpus: 2, memory: '4g', insecure: true, remote: true });
    const agent = spawn(process.execPath, ['--import', 'tsx', 'apps/agent/src/main.ts'], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...gantry().env, GANTRY_AGENT_HOST: c.name },
      stdio: 'ignore',
    });
    try {
      const manager = connectDocker(process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock');
      await waitFor('pnet-c in the swarm', async () => ((await manager.listNodes()) as { Status: { Addr: string; State: string } }[]).some((n) => n.Status.Addr === c.address && n.Status.State === 'ready'), 60_000);
      await admin.client.setConstraints(srv, 'web', ['side=c']);
      const moved = await upOn(admin, srv, c.name);
      await answerWhen((ips) => ips.length === 1 && ips[0] === moved.privateIp, 60_000);
      expect(await fetchFrom(cli, `http://web.${srv}.internal:5000/`)).toContain(`${srv} web.1 ${moved.privateIp}`);
      await admin.client.destroyApp(srv);
      await waitFor('nothing on pnet-c', async () => (await admin.client.hosts()).find((h) => h.name === c.name)?.allocated.instances === 0, 60_000);
    } finally {
      agent.kill('SIGTERM');
    }
  });
});
