/**
 * Scheduler benchmark, one run:
 *   1. placement throughput of the pure core: 10,000 instances onto 1,000 simulated hosts;
 *   2. failover on a real cluster: three Docker hosts (network namespaces), an app with one
 *      instance per host, one host killed; time until every instance is healthy elsewhere, with the
 *      default grace period (GANTRY_HOST_GRACE, 10 s), and the requests that failed meanwhile.
 */
import { request } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GantryClient, InstanceView } from '@gantry/api-client';
import { startIsolatedGantry, startLab } from '@gantry/installer';
import { benchUser, fixtureRepo, git, remote, secs } from './common';
import { benchPlacement, spreadCheck } from './scheduler-placement';

const APP = 'failover';

function get(port: number, host: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/', headers: { host }, agent: false, timeout: 10_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
    req.end();
  });
}

async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await fn().catch(() => null);
    if (v) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const upOn = (list: InstanceView[]) => list.filter((i) => i.state === 'up').map((i) => i.host!);

async function failover(): Promise<{ ms: number; requests: number; failed: number; lastFailureMs: number | null }> {
  const gantry = await startIsolatedGantry('bench-sched', 30_000);
  const lab = await startLab({ prefix: 'bsched', count: 3 });
  const work = await mkdtemp(join(tmpdir(), 'gantry-bench-sched-'));
  try {
    const { config } = gantry;
    const { token, client } = await benchUser(config, true);
    for (const h of lab.hosts) await client.addHost({ name: h.name, dockerUrl: h.dockerUrl, address: h.address, cpus: 2, memory: '4g', insecure: true });
    await client.drainHost('local');
    await until('lab hosts up', async () => (await client.hosts()).filter((h) => h.name !== 'local' && h.status === 'up').length === 3, 60_000);
    await client.createApp(APP);
    const repo = await fixtureRepo('dockerfile-app', join(work, 'app'));
    await git(repo, ['push', remote(config, APP, token), 'main']);
    await client.updateFormation(APP, { web: { quantity: 3 } });
    await until('one instance per host', async () => new Set(upOn(await client.ps(APP))).size === 3, 120_000);

    const host = `${APP}.${config.GANTRY_APPS_DOMAIN}`;
    const outcomes: { at: number; ok: boolean }[] = [];
    let polling = true;
    const pollers = [0, 1].map(async () => {
      while (polling) {
        const at = Date.now();
        outcomes.push({ at, ok: (await get(config.GANTRY_ROUTER_PORT, host)) === 200 });
      }
    });
    await new Promise((r) => setTimeout(r, 1000));
    const victim = lab.hosts[2]!.name;
    const killedAt = Date.now();
    await lab.killHost(victim);
    await until(
      'every instance healthy elsewhere',
      async () => {
        const hosts = upOn(await (client as GantryClient).ps(APP));
        return hosts.length === 3 && !hosts.includes(victim);
      },
      60_000,
    );
    const ms = Date.now() - killedAt;
    await new Promise((r) => setTimeout(r, 1000));
    polling = false;
    await Promise.all(pollers);
    const failed = outcomes.filter((o) => !o.ok);
    return { ms, requests: outcomes.length, failed: failed.length, lastFailureMs: failed.length ? Math.max(...failed.map((f) => f.at)) - killedAt : null };
  } finally {
    await lab.stop();
    await gantry.stop();
    await rm(work, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  console.log('Placement (pure core)...');
  const p = await benchPlacement();
  console.log('Failover on three real Docker hosts (grace period 10 s)...');
  const f = await failover();
  const rows: [string, string][] = [
    [`placements of the pure core: ${p.placements} instances onto ${p.hosts} hosts (median of 3)`, `${p.ms.toFixed(0)} ms`],
    ['placement throughput', `${Math.round(p.perSecond).toLocaleString('en')} placements/s`],
    ['goal: 10,000 placements under 1 s', p.ms < 1000 ? 'met' : 'NOT met'],
    ['failover: host killed -> every instance healthy elsewhere', secs(f.ms)],
    ['goal: failover under 15 s', f.ms < 15_000 ? 'met' : 'NOT met'],
    [`requests during failover (2 clients)`, `${f.requests} sent, ${f.failed} failed`],
    ['last failed request after the kill', f.lastFailureMs === null ? 'none failed' : secs(f.lastFailureMs)],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log('\nScheduler benchmark, this machine, one run\n');
  for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v}`);
  for (const line of spreadCheck()) console.log(`  ${line}`);
  process.exit(0);
}

main().catch((err) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
