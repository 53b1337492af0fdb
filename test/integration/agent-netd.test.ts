/**
 * The agent's netd container on the real Docker engine: ensureNetd runs the netd image (built by
 * the installer) on the host network, bound to the gateway of a bridge made for this test; a
 * pushed state answers a container on that bridge whose DNS server is the gateway (through
 * Docker's embedded DNS, as app containers will), other names are forwarded to an upstream the
 * test runs; the container is kept, restarted and recreated as its settings say.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@gantry/config';
import { connectDocker, execCapture, type Docker } from '@gantry/docker';
import { ensureNetdImage } from '@gantry/installer';
import { ensureNetd, netdContainerName, NetdClient, NetdError, type NetdOptions } from '../../apps/agent/src/netd';
import { freeDnsPort, startFakeUpstream } from './helpers/netd';
import { until } from './helpers/router-processes';

const config = loadConfig(process.env);
const docker = connectDocker(config.DOCKER_HOST);
const installation = `netdtest-${randomBytes(3).toString('hex')}`;
const networkName = `gantry-${installation}-apps`;
const token = randomBytes(24).toString('hex');
const created: string[] = [];
let upstream: Awaited<ReturnType<typeof startFakeUpstream>>;
let opts: NetdOptions;
let client: NetdClient;

async function probeContainer(name: string, gateway: string): Promise<Docker.Container> {
  const container = await docker.createContainer({
    name: `gantry-${installation}-${name}`,
    Image: config.GANTRY_STACK_IMAGE,
    Cmd: ['sleep', 'infinity'],
    Labels: { 'gantry.instance': installation, 'gantry.role': 'test' },
    HostConfig: { NetworkMode: networkName, Dns: [gateway], Init: true },
  });
  created.push(container.id);
  await container.start();
  return container;
}

async function ipOf(container: Docker.Container): Promise<string> {
  return (await container.inspect()).NetworkSettings.Networks[networkName]!.IPAddress;
}

const getent = (c: Docker.Container, name: string) => execCapture(docker, c, ['getent', 'ahostsv4', name]);
const addresses = (stdout: string) => [...new Set(stdout.split('\n').filter(Boolean).map((l) => l.split(/\s+/)[0]))].sort();

let gateway: string;
let a: Docker.Container;
let stranger: Docker.Container;

beforeAll(async () => {
  const { ref } = await ensureNetdImage(docker, config, () => {});
  const network = await docker.createNetwork({
    Name: networkName,
    Driver: 'bridge',
    Labels: { 'gantry.instance': installation },
    Options: { 'com.docker.network.bridge.enable_icc': 'false' },
  });
  const found = (await network.inspect()).IPAM?.Config?.[0]?.Gateway as string | undefined;
  if (!found) throw new Error(`network ${networkName} has no gateway`);
  gateway = found;
  const upstreamPort = await freeDnsPort();
  upstream = await startFakeUpstream(upstreamPort, '192.0.2.7');
  const controlPort = await freeDnsPort();
  opts = { installation, hostId: 'h1', image: ref, dnsIp: gateway, controlAddress: '127.0.0.1', controlPort, token, upstream: [`127.0.0.1:${upstreamPort}`] };
  client = new NetdClient(`http://127.0.0.1:${controlPort}`, token, 1000);
  [a, stranger] = await Promise.all([probeContainer('a', gateway), probeContainer('stranger', gateway)]);
});

afterAll(async () => {
  for (const id of [...created, netdContainerName(installation)]) await docker.getContainer(id).remove({ force: true }).catch(() => {});
  await docker.getNetwork(networkName).remove().catch(() => {});
  await upstream?.close();
});

describe('ensureNetd + NetdClient', () => {
  it('runs netd on the host network with the settings as labels and env', async () => {
    expect(await ensureNetd(docker, opts)).toBe('created');
    await until('netd health', () => client.health().then(() => true, () => false), 15_000, 100);
    const info = await docker.getContainer(netdContainerName(installation)).inspect();
    expect(info.HostConfig).toMatchObject({ NetworkMode: 'host', RestartPolicy: { Name: 'always' }, Init: true, CapDrop: ['ALL'], CapAdd: ['NET_BIND_SERVICE'], ReadonlyRootfs: true });
    expect(info.Config.Labels).toMatchObject({ 'gantry.instance': installation, 'gantry.role': 'netd' });
    expect(info.Config.Env).toEqual(expect.arrayContaining([`NETD_DNS=${gateway}`, 'NETD_HOST=h1', `NETD_TOKEN=${token}`]));
    expect(await client.health()).toEqual({ version: 0, down: [] });
    // Called again with the same settings, it leaves the container alone.
    expect(await ensureNetd(docker, opts)).toBe('running');
    expect((await docker.getContainer(netdContainerName(installation)).inspect()).Id).toBe(info.Id);
  });

  it('answers a container on the bridge through Docker\'s DNS: its team\'s names, forwarded others, nothing for strangers', async () => {
    const aIp = await ipOf(a);
    expect(await client.push({
      version: 1,
      clients: { [aIp]: 'team-x' },
      zones: { 'team-x': { 'web.x.internal': [{ ip: '10.99.0.2', host: 'h1' }, { ip: '10.99.0.3', host: 'h1' }], 'x.internal': [{ ip: '10.99.0.2', host: 'h1' }] } },
      peers: { h1: `127.0.0.1:${opts.controlPort}` },
    })).toEqual({ applied: true, version: 1 });

    const web = await getent(a, 'web.x.internal');
    expect(web.exitCode).toBe(0);
    expect(addresses(web.stdout)).toEqual(['10.99.0.2', '10.99.0.3']);
    expect(addresses((await getent(a, 'X.Internal')).stdout)).toEqual(['10.99.0.2']);
    expect((await getent(a, 'db.x.internal')).exitCode).toBe(2); // NXDOMAIN: not found
    const forwarded = await getent(a, 'www.example.test');
    expect(addresses(forwarded.stdout)).toEqual(['192.0.2.7']);
    expect(upstream.asked).toContain('www.example.test');
    expect(upstream.asked.filter((n) => n.toLowerCase().endsWith('.internal'))).toEqual([]);

    expect((await getent(stranger, 'web.x.internal')).exitCode).toBe(2);

    // Figure: one lookup through Docker's embedded DNS and netd, process start included.
    const loop = await execCapture(docker, a, ['bash', '-c', 's=$(date +%s%N); for i in $(seq 100); do getent ahostsv4 web.x.internal >/dev/null || exit 1; done; echo $(( ($(date +%s%N) - s) / 100 / 1000 ))']);
    expect(loop.exitCode).toBe(0);
    console.log(`getent ahostsv4 web.x.internal in a container (Docker DNS -> netd): ${(Number(loop.stdout) / 1000).toFixed(2)} ms per lookup, process start included`);
  });

  it('refuses a wrong token and reports the reason of a bad state', async () => {
    const wrong = new NetdClient(`http://127.0.0.1:${opts.controlPort}`, 'not-the-token');
    await expect(wrong.push({ version: 9, clients: {}, zones: {}, peers: {} })).rejects.toMatchObject({ status: 401 });
    await expect(client.push({ version: 9, clients: { nope: 't' }, zones: {}, peers: {} })).rejects.toThrow(/clients\["nope"\]: key must be an IPv4/);
    await expect(new NetdClient('http://127.0.0.1:1', token, 500).health()).rejects.toBeInstanceOf(NetdError);
  });

  it('starts a stopped netd and recreates it when its settings change', async () => {
    const name = netdContainerName(installation);
    await docker.getContainer(name).stop({ t: 1 });
    expect(await ensureNetd(docker, opts)).toBe('started');
    await until('netd back', () => client.health().then(() => true, () => false), 15_000, 100);

    const before = (await docker.getContainer(name).inspect()).Id;
    const token2 = randomBytes(24).toString('hex');
    expect(await ensureNetd(docker, { ...opts, token: token2 })).toBe('recreated');
    const after = await docker.getContainer(name).inspect();
    expect(after.Id).not.toBe(before);
    expect(after.Config.Env).toContain(`NETD_TOKEN=${token2}`);
    const client2 = new NetdClient(`http://127.0.0.1:${opts.controlPort}`, token2);
    await until('recreated netd', () => client2.health().then(() => true, () => false), 15_000, 100);
    // A fresh netd starts empty: the agent pushes the state again.
    expect(await client2.health()).toEqual({ version: 0, down: [] });
    expect(await client2.push({ version: 1, clients: { [await ipOf(a)]: 't' }, zones: { t: { 'web.x.internal': [{ ip: '10.99.0.9', host: 'h1' }] } }, peers: {} })).toMatchObject({ applied: true });
    await sleep(50);
    expect(addresses((await getent(a, 'web.x.internal')).stdout)).toEqual(['10.99.0.9']);
  });
});
