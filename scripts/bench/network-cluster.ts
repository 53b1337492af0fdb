/**
 * bench:network's cluster: an isolated Gantry (instance "bench-net") and a lab of two Docker
 * hosts, one labelled side=client and one side=server, the local host drained; both apps of one
 * team (the bench user's), each pinned to its side by a constraint. Everything is taken down at
 * the end, on failure too: apps, the hosts' swarm membership (the swarm is the machine's, shared
 * with any other Gantry here), the lab, the installation and its networks.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GantryClient, InstanceView } from '@gantry/api-client';
import type { Config } from '@gantry/config';
import { connectDocker, removeNodes, type Docker } from '@gantry/docker';
import { startIsolatedGantry, startLab, type Lab, type LabHost } from '@gantry/installer';
import { benchUser, fixtureRepo, git, remote, cleanUpOnSignal } from './common';
import { until } from './http';

export const INSTANCE = 'bench-net';
const PORT_BASE = 44_000;
const LAB_PREFIX = 'bnet';
const FIXTURE = 'net-bench';

export interface BenchCluster {
  config: Config;
  client: GantryClient;
  clientHost: LabHost;
  serverHost: LabHost;
  /** The apps: `client` runs the load generator on clientHost, `server` answers on serverHost. */
  apps: { client: string; server: string };
}

const step = (msg: string) => console.log(msg);

/** Removes this installation's networks from an engine (its team overlay networks, its apps bridge). */
async function removeNetworks(docker: Docker): Promise<void> {
  const nets = (await docker.listNetworks({ filters: { label: [`gantry.instance=${INSTANCE}`] } })) as { Id: string }[];
  for (const n of nets) await docker.getNetwork(n.Id).remove().catch(() => {});
}

/** The app's one up instance of `type` web on `host`, with its private address (waits for it). */
export async function upOn(client: GantryClient, app: string, host: string, count = 1): Promise<InstanceView[]> {
  let found: InstanceView[] = [];
  await until(
    `${app}: ${count} instance(s) up on ${host} with a private address`,
    async () => {
      const list = (await client.ps(app)).filter((i) => i.state !== 'stopping');
      found = list.filter((i) => i.state === 'up' && i.host === host && i.privateIp && i.address && i.port);
      return found.length === count && list.length === count;
    },
    180_000,
    250,
  );
  return found;
}

/** Out of the installation: local takes instances again, the lab hosts drain and are removed (leaving the swarm). */
async function removeLabHosts(client: GantryClient, names: string[]): Promise<void> {
  await client.undrainHost('local').catch(() => {});
  for (const name of names) await client.drainHost(name).catch(() => {});
  for (const name of names) {
    await until(
      `lab host ${name} to be removed`,
      async () => {
        try {
          await client.removeHost(name);
          return true;
        } catch (err) {
          const status = (err as { status?: number }).status;
          if (status === 404) return true;
          if (status === 409) return false;
          throw err;
        }
      },
      60_000,
      500,
    );
  }
}

const APPS = { client: 'nbench-client', server: 'nbench-server' };

async function deployApps(cluster: Omit<BenchCluster, 'apps'>, token: string, work: string): Promise<void> {
  const { client, config } = cluster;
  const apps = APPS;
  const repo = await fixtureRepo(FIXTURE, join(work, 'app'));
  for (const [role, app] of Object.entries(apps)) {
    await client.createApp(app);
    step(`Pushing ${app} (builds ${FIXTURE})...`);
    await git(repo, ['push', remote(config, app, token), 'main']);
    // A process type exists once a release has it; an instance placed on the other side moves.
    await client.setConstraints(app, 'web', [`side=${role}`]);
  }
  await upOn(client, apps.client, cluster.clientHost.name);
  await upOn(client, apps.server, cluster.serverHost.name);
}

/**
 * Runs `fn` on a fresh cluster, then takes it all down, on failure and on SIGINT/SIGTERM too; each
 * step on its own, so that one failing does not skip the rest.
 */
export async function withCluster<T>(fn: (cluster: BenchCluster) => Promise<T>): Promise<T> {
  step(`Starting an isolated Gantry (instance "${INSTANCE}") and a lab of two Docker hosts...`);
  const gantry = await startIsolatedGantry(INSTANCE, PORT_BASE);
  const manager = connectDocker(gantry.config.DOCKER_HOST);
  let lab: Lab | undefined;
  let client: GantryClient | undefined;
  const work = await mkdtemp(join(tmpdir(), 'gantry-bench-net-'));

  const attempt = async (what: string, op: () => Promise<unknown>) => {
    await op().catch((err: unknown) => console.error(`  cleanup: ${what} failed: ${err instanceof Error ? err.message : err}`));
  };
  let cleaning: Promise<void> | undefined;
  const cleanup = () =>
    (cleaning ??= (async () => {
      step('Cleaning up (apps, lab hosts, lab, isolated Gantry)...');
      if (client) {
        for (const app of Object.values(APPS)) await attempt(`destroying ${app}`, () => client!.destroyApp(app).catch((err: { status?: number }) => (err.status === 404 ? undefined : Promise.reject(err))));
        if (lab) await attempt('removing the lab hosts', () => removeLabHosts(client!, lab!.hosts.map((h) => h.name)));
      }
      if (lab) {
        const addresses = lab.hosts.map((h) => h.address);
        await attempt('stopping the lab', () => lab!.stop());
        // Hosts that could not be removed through Gantry: the swarm forgets them all the same.
        await attempt('removing lab nodes from the swarm', () => removeNodes(manager, (n) => addresses.includes(n.addr)));
      }
      await attempt('stopping the isolated Gantry', () => gantry.stop());
      await attempt('removing its networks', () => removeNetworks(manager));
      await rm(work, { recursive: true, force: true });
    })());
  const offSignals = cleanUpOnSignal(cleanup);

  try {
    lab = await startLab({ prefix: LAB_PREFIX, count: 2 });
    const [clientHost, serverHost] = lab.hosts as [LabHost, LabHost];
    const user = await benchUser(gantry.config, true);
    client = user.client;
    for (const [h, side] of [[clientHost, 'client'], [serverHost, 'server']] as const) {
      await client.addHost({ name: h.name, dockerUrl: h.dockerUrl, address: h.address, labels: { side }, cpus: 2, memory: '4g', insecure: true });
    }
    await client.drainHost('local');
    const names = [clientHost.name, serverHost.name];
    await until('the lab hosts to be up', async () => (await client!.hosts()).filter((h) => names.includes(h.name) && h.status === 'up').length === 2, 60_000, 250);
    const base = { config: gantry.config, client, clientHost, serverHost };
    await deployApps(base, user.token, work);
    return await fn({ ...base, apps: APPS });
  } finally {
    await cleanup();
    offSignals();
  }
}
