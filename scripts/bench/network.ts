/**
 * Network benchmark (npm run bench:network), one run, on a lab of two Docker hosts:
 *   1. between a client instance on host A and a server instance on host B, request latency
 *      (p50/p99) and throughput, the load generated inside the client instance (its /bench
 *      endpoint: keep-alive, after a warm-up; at a fixed concurrency, and one at a time), over
 *        (a) the team's private network: http://<server's private address>:5000/
 *        (b) the hosts' own network:     http://<host B's address>:<published port>/
 *      a round of both not counted, then alternating a, b, a, b... ROUNDS times; medians side by
 *      side and the ratio private / host;
 *   2. how fast `web.<server>.internal` follows a change (network-dns.ts): skipped with a line
 *      saying so while no netd answers the private names.
 */
import type { InstanceView } from '@gantry/api-client';
import { connectDocker } from '@gantry/docker';
import { INSTANCE_PORT } from '@gantry/scheduler-core';
import { printRows, runBench } from './common';
import { get } from './http';
import { INSTANCE, upOn, withCluster, type BenchCluster } from './network-cluster';
import { dnsFollowsChanges } from './network-dns';
import { dnsRows, loadRows, VARIANTS, type LoadResult, type Runs, type Variant } from './network-figures';

const ROUNDS = 3;
/** Each round, each path: under load (throughput, latency under queueing)... */
const LOADED = { n: 2000, c: 8, warmup: 200 };
/** ...and one request at a time (the path's own latency). */
const SERIAL = { n: 1000, c: 1, warmup: 100 };

/** A GET to one of the apps through the router (the bench runs on the machine, the apps on the lab). */
async function appGet(cluster: BenchCluster, app: string, path: string, timeoutMs: number): Promise<string> {
  const r = await get(cluster.config.GANTRY_ROUTER_PORT, `${app}.${cluster.config.GANTRY_APPS_DOMAIN}`, path, timeoutMs).catch((err: Error) => {
    throw new Error(`GET ${path} on ${app}: ${err.message} (after ${timeoutMs} ms at most)`);
  });
  if (r.status !== 200) throw new Error(`GET ${path} on ${app}: HTTP ${r.status} ${r.body.slice(0, 300)}`);
  return r.body;
}

/** The client instance runs the load against `url` and answers its figures. */
async function load(cluster: BenchCluster, url: string, o: { n: number; c: number; warmup: number }): Promise<LoadResult> {
  const q = new URLSearchParams({ url, n: String(o.n), c: String(o.c), warmup: String(o.warmup) });
  const r = JSON.parse(await appGet(cluster, cluster.apps.client, `/bench?${q}`, 120_000)) as LoadResult;
  if (r.errors > 0 || r.ok !== o.n || r.p50Ms === null || r.p99Ms === null) throw new Error(`load on ${url}: ${r.ok} of ${o.n} requests answered 200, ${r.errors} failed`);
  return r;
}

function urls(server: InstanceView): Record<Variant, string> {
  return { private: `http://${server.privateIp}:${INSTANCE_PORT}/`, host: `http://${server.address}:${server.port}/` };
}

const line = (r: LoadResult) => `p50 ${r.p50Ms!.toFixed(2)} ms  p99 ${r.p99Ms!.toFixed(2)} ms  ${Math.round(r.rps)} req/s`;

async function measureLoad(cluster: BenchCluster, server: InstanceView): Promise<Runs> {
  const target = urls(server);
  // One request each first: a path that does not work fails here with its reason, not as 2,000 errors.
  for (const v of VARIANTS) await load(cluster, target[v], { n: 1, c: 1, warmup: 0 });
  // A whole round first, not counted: the first one ran visibly slower (JIT, caches) on both paths.
  console.log('  warm-up round (not counted)...');
  for (const v of VARIANTS) await load(cluster, target[v], LOADED);
  const out: Runs = { private: { loaded: [], serial: [] }, host: { loaded: [], serial: [] } };
  for (let round = 1; round <= ROUNDS; round++) {
    for (const v of VARIANTS) {
      const loaded = await load(cluster, target[v], LOADED);
      const serial = await load(cluster, target[v], SERIAL);
      console.log(`  round ${round}/${ROUNDS} ${v.padEnd(7)} ${target[v].padEnd(28)} c=${LOADED.c}: ${line(loaded)} | c=1: ${line(serial)}`);
      out[v].loaded.push(loaded);
      out[v].serial.push(serial);
    }
  }
  return out;
}

/** `docker kill` of the server container at that private address, on its lab host. */
async function killByPrivateIp(cluster: BenchCluster, instance: InstanceView): Promise<void> {
  const host = [cluster.clientHost, cluster.serverHost].find((h) => h.name === instance.host);
  if (!host) throw new Error(`instance ${instance.process} is on ${instance.host}, not a lab host`);
  const docker = connectDocker(host.dockerUrl);
  const found = await docker.listContainers({ filters: { label: [`gantry.instance=${INSTANCE}`, `gantry.private.ip=${instance.privateIp}`] } });
  if (found.length !== 1) throw new Error(`expected one container at ${instance.privateIp} on ${host.name}, found ${found.length}`);
  await docker.getContainer(found[0]!.Id).kill();
}

async function main(): Promise<void> {
  const { runs, dns, server, cluster } = await withCluster(async (cluster) => {
    const [server] = await upOn(cluster.client, cluster.apps.server, cluster.serverHost.name);
    const [client] = await upOn(cluster.client, cluster.apps.client, cluster.clientHost.name);
    console.log(`Client ${client!.process} on ${client!.host} (${client!.privateIp}), server ${server!.process} on ${server!.host} (${server!.privateIp}, published ${server!.address}:${server!.port})`);
    console.log(`Load, inside the client instance: ${LOADED.n} requests at concurrency ${LOADED.c} and ${SERIAL.n} one at a time (after ${LOADED.warmup} and ${SERIAL.warmup} warm-up ones); ${ROUNDS} rounds, alternating paths`);
    const runs = await measureLoad(cluster, server!);
    console.log('DNS: how fast the private name follows a change...');
    // A DNS measurement that fails is reported beside the throughput figures, which stand alone.
    const dns = await dnsFollowsChanges(cluster.client, cluster.apps.server, {
      resolve: (name) => appGet(cluster, cluster.apps.client, `/resolve?${new URLSearchParams({ name })}`, 5000),
      kill: (instance) => killByPrivateIp(cluster, instance),
    }).catch((err: Error) => ({ failed: err.message }));
    if ('skipped' in dns) console.log(dns.skipped);
    return { runs, dns, server: server!, cluster: { clientHost: cluster.clientHost.name, serverHost: cluster.serverHost.name } };
  });
  printRows(
    `Network benchmark: ${cluster.clientHost} -> ${cluster.serverHost} (two Docker hosts in network namespaces, this machine), medians of ${ROUNDS}, one run`,
    [
      ['private network', `http://${server.privateIp}:${INSTANCE_PORT}/ (team overlay, VXLAN)`],
      ["hosts' network", `http://${server.address}:${server.port}/ (published port)`],
      ...loadRows(runs, LOADED, SERIAL),
      ...dnsRows(dns),
    ],
  );
  process.exit('failed' in dns ? 1 : 0);
}

runBench(main);
