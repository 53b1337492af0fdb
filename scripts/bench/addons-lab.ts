/**
 * bench:addons' lab, for the move and failover slots: three real Docker hosts (startLab) added to
 * the bench's isolated Gantry, `local` drained; the pg-counter fixture pushed to an app pinned to
 * the first lab host, so that moving or losing the database's host never moves the writer's app:
 *
 *   H0: the app (web, constraint gantry.host=H0), an HA add-on's etcd
 *   H1, H2: the add-on's server (constraint gantry.host!=H0): moved H1 <-> H2, or the HA members
 *
 * The lab is taken down by the bench's clean-up (onCleanup: on failure and SIGINT too): the lab's
 * daemons and namespaces, then its nodes in the machine's swarm. The installation's stop removes
 * its networks after; the hosts stay registered in its database, which the next run recreates.
 * (Not removed through Gantry first: a host the failover killed can never be drained.)
 */
import { join } from 'node:path';
import type { GantryClient } from '@gantry/api-client';
import { connectDocker, removeNodes } from '@gantry/docker';
import { startLab, type Lab, type LabHost } from '@gantry/installer';
import type { AddonBench } from './addons-setup';
import { call, type AppAddress } from './addons-writer';
import { fixtureRepo, git, remote } from './common';
import { until } from './http';

const LAB_PREFIX = 'badd';
const LAB_APP = 'abench-writer';
const FIXTURE = 'pg-counter';

export interface AddonLab {
  client: GantryClient;
  lab: Lab;
  /** H0 runs the app; H1 and H2 are for the add-ons. */
  hosts: [LabHost, LabHost, LabHost];
  app: string;
  /** The app through the installation's router. */
  address: AppAddress;
}

const step = (msg: string) => console.log(msg);

/** Waits until the app's only web instance is up on `host`. */
async function webOn(client: GantryClient, app: string, host: string): Promise<void> {
  await until(
    `${app}'s web up on ${host} (and only there)`,
    async () => {
      const list = (await client.ps(app)).filter((i) => i.process.startsWith('web.') && i.state !== 'stopping');
      return list.length === 1 && list[0]!.state === 'up' && list[0]!.host === host;
    },
    240_000,
    500,
  );
}

/** Starts the lab and the writer's app; its clean-up is registered with the bench. */
export async function startAddonLab(b: AddonBench): Promise<AddonLab> {
  const { client, config } = b;
  step('Starting a lab of three Docker hosts...');
  const lab = await startLab({ prefix: LAB_PREFIX, count: 3 });
  const manager = connectDocker(config.DOCKER_HOST);
  const addresses = lab.hosts.map((h) => h.address);
  b.onCleanup('stopping the lab and removing its swarm nodes', async () => {
    await lab.stop();
    await removeNodes(manager, (n) => addresses.includes(n.addr));
  });
  const hosts = lab.hosts as [LabHost, LabHost, LabHost];
  for (const h of hosts) await client.addHost({ name: h.name, dockerUrl: h.dockerUrl, address: h.address, cpus: 2, memory: '4g', insecure: true });
  // Refused (409, with the list) while local holds an add-on's data: the storage section destroys its own first.
  await client.drainHost('local');
  const names = hosts.map((h) => h.name);
  await until('the lab hosts to be up', async () => (await client.hosts()).filter((h) => names.includes(h.name) && h.status === 'up').length === 3, 60_000, 250);

  const [h0] = hosts;
  await client.createApp(LAB_APP);
  step(`Pushing ${LAB_APP} (builds ${FIXTURE}), its web pinned to ${h0.name}...`);
  const repo = await fixtureRepo(FIXTURE, join(b.work, 'writer-app'));
  await git(repo, ['push', remote(config, LAB_APP, b.token), 'main']);
  // A process type exists once a release has it; an instance placed elsewhere moves.
  await client.setConstraints(LAB_APP, 'web', [`gantry.host=${h0.name}`]);
  await webOn(client, LAB_APP, h0.name);
  const address = { port: config.GANTRY_ROUTER_PORT, host: `${LAB_APP}.${config.GANTRY_APPS_DOMAIN}` };
  await until(`${LAB_APP} to answer through the router`, async () => (await call(address, 'GET', '/')).status === 200, 60_000, 250);
  return { client, lab, hosts, app: LAB_APP, address };
}
