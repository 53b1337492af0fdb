/**
 * Network benchmark (npm run bench:network), one run, on a lab of two Docker hosts:
 *   1. between a client instance on host A and a server instance on host B, request latency
 *      (p50/p99) and throughput, the load generated inside the client instance (its /bench
 *      endpoint: keep-alive, fixed concurrency, after a warm-up), over
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
import { median, printRows, runBench, secs } from './common';
import { get } from './http';
import { INSTANCE, upOn, withCluster, type BenchCluster } from './network-cluster';
import { dnsFollowsChanges, type DnsFigures } from './network-dns';

const ROUNDS = 3;
const REQUESTS = 2000;
const CONCURRENCY = 8;
const WARMUP = 200;

interface LoadResult {
  n: number;
  c: number;
  ok: number;
  errors: number;
  p50Ms: number | null;
  p99Ms: number | null;
  rps: number;
  seconds: number;
}

type Variant = 'private' | 'host';

/** A GET to one of the apps through the router (the bench runs on the machine, the apps on the lab). */
async function appGet(cluster: BenchCluster, app: string, path: string, timeoutMs: number): Promise<string> {
  const r = await get(cluster.config.GANTRY_ROUTER_PORT, `${app}.${cluster.config.GANTRY_APPS_DOMAIN}`, path, timeoutMs).catch((err: Error) => {
    throw new Error(`GET ${path} on ${app}: ${err.message} (after ${timeoutMs} ms at most)`);
  });
  if (r.status !== 200) throw new Error(`GET ${path} on ${app}: HTTP ${r.status} ${r.body.slice(0, 300)}`);
  return r.body;
}

/** The client instance runs the load against `url` and answers its figures. */
async function load(cluster: BenchCluster, url: string, n: number, warmup: number): Promise<LoadResult> {
  const q = new URLSearchParams({ url, n: String(n), c: String(CONCURRENCY), warmup: String(warmup) });
  const r = JSON.parse(await appGet(cluster, cluster.apps.client, `/bench?${q}`, 120_000)) as LoadResult;
  if (r.errors > 0 || r.ok !== n || r.p50Ms === null || r.p99Ms === null) throw new Error(`load on ${url}: ${r.ok} of ${n} requests answered 200, ${r.errors} failed`);
  return r;
}

function urls(server: InstanceView): Record<Variant, string> {
  return { private: `http://${server.privateIp}:${INSTANCE_PORT}/`, host: `http://${server.address}:${server.port}/` };
}

async function throughput(cluster: BenchCluster, server: InstanceView): Promise<Record<Variant, LoadResult[]>> {
  const target = urls(server);
  // One request each first: a path that does not work fails here with its reason, not as 2,000 errors.
  for (const v of ['private', 'host'] as const) await load(cluster, target[v], 1, 0);
  // A whole round first, not counted: the first one ran visibly slower (JIT, caches) on both paths.
  for (const v of ['private', 'host'] as const) await load(cluster, target[v], REQUESTS, WARMUP);
  const out: Record<Variant, LoadResult[]> = { private: [], host: [] };
  for (let round = 1; round <= ROUNDS; round++) {
    for (const v of ['private', 'host'] as const) {
      const r = await load(cluster, target[v], REQUESTS, WARMUP);
      console.log(`  round ${round}/${ROUNDS} ${v.padEnd(7)} ${target[v].padEnd(28)} p50 ${r.p50Ms!.toFixed(2)} ms  p99 ${r.p99Ms!.toFixed(2)} ms  ${Math.round(r.rps)} req/s`);
      out[v].push(r);
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

const ms = (x: number) => `${x.toFixed(2)} ms`;
const ratio = (a: number, b: number) => (a / b).toFixed(2);

function throughputRows(runs: Record<Variant, LoadResult[]>): [string, string][] {
  const m = (v: Variant, f: (r: LoadResult) => number) => median(runs[v].map(f));
  const p50 = (r: LoadResult) => r.p50Ms!;
  const p99 = (r: LoadResult) => r.p99Ms!;
  const rps = (r: LoadResult) => r.rps;
  const all = (v: Variant, f: (r: LoadResult) => number, fmt: (x: number) => string) => runs[v].map((r) => fmt(f(r))).join(', ');
  const rate = (x: number) => `${Math.round(x).toLocaleString('en')} req/s`;
  const width = 22;
  const side = (a: string, b: string, c: string) => `${a.padEnd(width)}${b.padEnd(width)}${c}`;
  return [
    ['', side('private network', "hosts' network", 'ratio private/host')],
    ['latency p50', side(ms(m('private', p50)), ms(m('host', p50)), ratio(m('private', p50), m('host', p50)))],
    ['latency p99', side(ms(m('private', p99)), ms(m('host', p99)), ratio(m('private', p99), m('host', p99)))],
    ['throughput', side(rate(m('private', rps)), rate(m('host', rps)), ratio(m('private', rps), m('host', rps)))],
    ['runs, private (p50 | p99 | req/s)', `${all('private', p50, ms)} | ${all('private', p99, ms)} | ${all('private', rps, rate)}`],
    ['runs, hosts (p50 | p99 | req/s)', `${all('host', p50, ms)} | ${all('host', p99, ms)} | ${all('host', rps, rate)}`],
  ];
}

function dnsRows(d: DnsFigures | { failed: string }): [string, string][] {
  if ('skipped' in d) return [['DNS follows a change', d.skipped]];
  if ('failed' in d) return [['DNS follows a change', `FAILED: ${d.failed}`]];
  return [
    [`${d.name}: new instance up (ps) -> answered`, secs(d.joinFromUpMs)],
    [`  from the scale request 1 -> 2`, secs(d.joinFromScaleMs)],
    [`${d.name}: docker kill -> no longer answered`, secs(d.leaveMs)],
    ['goal: answers follow within 2 s', d.joinFromUpMs <= 2000 && d.leaveMs <= 2000 ? 'met' : 'NOT met'],
    [`probe: /resolve through the router, every 50 ms (${d.probes} probes, median round trip)`, `${d.probeRttMs} ms`],
  ];
}

async function main(): Promise<void> {
  const { runs, dns, server, cluster } = await withCluster(async (cluster) => {
    const [server] = await upOn(cluster.client, cluster.apps.server, cluster.serverHost.name);
    const [client] = await upOn(cluster.client, cluster.apps.client, cluster.clientHost.name);
    console.log(`Client ${client!.process} on ${client!.host} (${client!.privateIp}), server ${server!.process} on ${server!.host} (${server!.privateIp}, published ${server!.address}:${server!.port})`);
    console.log(`Load: ${REQUESTS} requests at concurrency ${CONCURRENCY} after ${WARMUP} warm-up ones, inside the client instance; ${ROUNDS} rounds, alternating`);
    const runs = await throughput(cluster, server!);
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
      ...throughputRows(runs),
      ...dnsRows(dns),
    ],
  );
  process.exit('failed' in dns ? 1 : 0);
}

runBench(main);
