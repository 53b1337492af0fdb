/**
 * The Docker lab (packages/installer/src/lab): several real dockerds on this machine, each in its
 * own network namespace, reachable from here at their own address. Needs root and the machine's
 * main dockerd (for the stack image). Its prefix is fixed, so a crashed run is cleaned by the next.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDocker, execCapture, type Docker } from '@gantry/docker';
import { labPlan, startLab, type Lab, type LabHost } from '../../packages/installer/src/lab';

const run = promisify(execFile);
const PREFIX = 'it-lab';
const STACK = 'gantry/stack:bookworm';
const PORT = 8080;

/** One-line HTTP server answering the NAME of its host to every request. */
const SERVER = [
  'my $s = IO::Socket::INET->new(LocalPort => 8080, Listen => 64, ReuseAddr => 1) or die "listen: $!";',
  'while (my $c = $s->accept) { while (my $l = <$c>) { last if $l =~ /^\\r?\\n$/ }',
  'print $c "HTTP/1.0 200 OK\\r\\nContent-Type: text/plain\\r\\nConnection: close\\r\\n\\r\\n$ENV{NAME}\\n"; close $c }',
].join(' ');

type Probe = { ok: true; body: string } | { ok: false; error: string; ms: number };

async function get(address: string, port: number, timeoutMs = 2000): Promise<Probe> {
  const t0 = performance.now();
  try {
    const res = await fetch(`http://${address}:${port}/`, { signal: AbortSignal.timeout(timeoutMs) });
    return { ok: true, body: (await res.text()).trim() };
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause;
    const error = cause?.code ?? (err as Error).name;
    return { ok: false, error, ms: Math.round(performance.now() - t0) };
  }
}

/** Raw TCP connect: "connected", or the error (ECONNREFUSED, EHOSTUNREACH) or "timeout". */
function connect(address: string, port: number, timeoutMs = 2000): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect({ host: address, port });
    const done = (what: string) => {
      s.destroy();
      resolve(what);
    };
    s.setTimeout(timeoutMs, () => done('timeout'));
    s.once('connect', () => done('connected'));
    s.once('error', (err: NodeJS.ErrnoException) => done(err.code ?? err.message));
  });
}

async function publishedPort(docker: Docker, id: string): Promise<number> {
  const info = await docker.getContainer(id).inspect();
  const binding = info.NetworkSettings.Ports[`${PORT}/tcp`]?.[0];
  if (!binding) throw new Error(`container ${id} has no published port`);
  return Number(binding.HostPort);
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

describe.skipIf(process.getuid?.() !== 0)('Docker lab', () => {
  let lab: Lab;
  let hosts: LabHost[];
  const docker = new Map<string, Docker>();
  const server = new Map<string, { id: string; port: number }>();

  beforeAll(async () => {
    const t0 = performance.now();
    lab = await startLab({ prefix: PREFIX, count: 3 });
    const ms = Math.round(performance.now() - t0);
    console.log(`lab of 3 hosts started in ${ms} ms: ${lab.hosts.map((h) => `${h.name}=${h.address}`).join(', ')}`);
    hosts = lab.hosts;
    for (const h of hosts) docker.set(h.name, connectDocker(h.dockerUrl));
  });

  afterAll(async () => {
    await lab?.stop();
  });

  it('runs one distinct daemon per host, named after it', async () => {
    const infos = await Promise.all(hosts.map((h) => docker.get(h.name)!.info()));
    expect(infos.map((i) => i.Name)).toEqual(hosts.map((h) => h.name));
    expect(new Set(infos.map((i) => i.ID)).size).toBe(hosts.length);
    expect(new Set(hosts.map((h) => h.address)).size).toBe(hosts.length);
    for (const h of hosts) expect(h.dockerUrl).toBe(`tcp://${h.address}:2375`);
  });

  it('serves HTTP from a container on a published port of every host', async () => {
    const t0 = performance.now();
    await lab.copyImage(STACK);
    console.log(`copyImage(${STACK}) into 3 hosts: ${Math.round(performance.now() - t0)} ms`);
    await lab.copyImage(STACK); // already there: a no-op
    await Promise.all(
      hosts.map(async (h) => {
        const d = docker.get(h.name)!;
        const c = await d.createContainer({
          name: 'web',
          Image: STACK,
          Cmd: ['perl', '-MIO::Socket::INET', '-e', SERVER],
          Env: [`NAME=${h.name}`],
          ExposedPorts: { [`${PORT}/tcp`]: {} },
          HostConfig: { Init: true, PortBindings: { [`${PORT}/tcp`]: [{ HostPort: '' }] }, RestartPolicy: { Name: 'always' } },
        });
        await c.start();
        server.set(h.name, { id: c.id, port: await publishedPort(d, c.id) });
      }),
    );
    for (const h of hosts) {
      const { port } = server.get(h.name)!;
      const res = await waitFor(`${h.name} web`, async () => {
        const r = await get(h.address, port);
        return r.ok ? r : undefined;
      });
      expect(res.body).toBe(h.name);
    }
  });

  it("lets containers reach the other hosts' address:port", async () => {
    for (const [i, h] of hosts.entries()) {
      const other = hosts[(i + 1) % hosts.length]!;
      const d = docker.get(h.name)!;
      const { stdout, exitCode } = await execCapture(d, d.getContainer(server.get(h.name)!.id), [
        'curl', '-fsS', '--max-time', '5', `http://${other.address}:${server.get(other.name)!.port}/`,
      ]);
      expect(exitCode).toBe(0);
      expect(stdout.trim()).toBe(other.name);
    }
  });

  it('killHost makes the host stop answering while the others keep serving', async () => {
    const [dead, ...alive] = hosts as [LabHost, ...LabHost[]];
    const t0 = performance.now();
    await lab.killHost(dead.name);
    console.log(`killHost: ${Math.round(performance.now() - t0)} ms`);
    const port = server.get(dead.name)!.port;
    const probe = await get(dead.address, port, 2000);
    expect(probe.ok).toBe(false);
    const tcp = await connect(dead.address, port, 2000);
    const api = await connect(dead.address, 2375, 2000);
    console.log(`killed host for a TCP client: http ${JSON.stringify(probe)}, connect to app port: ${tcp}, to docker port: ${api}`);
    expect(tcp).not.toBe('connected');
    expect(api).not.toBe('connected');
    for (const h of alive) expect(await get(h.address, server.get(h.name)!.port)).toEqual({ ok: true, body: h.name });
    // Nothing of the host runs any more.
    const { stdout } = await run('ps', ['-eo', 'args']);
    expect(stdout).not.toContain(`/gantry-lab/${PREFIX}/a/`);
  });

  it('restartHost brings the daemon back, with its containers per their restart policy', async () => {
    const h = hosts[0]!;
    const t0 = performance.now();
    await lab.restartHost(h.name);
    console.log(`restartHost: daemon answers after ${Math.round(performance.now() - t0)} ms`);
    const d = docker.get(h.name)!;
    const info = await d.info();
    expect(info.Name).toBe(h.name);
    const { id } = server.get(h.name)!;
    const port = await waitFor('web restored', async () => {
      const c = await d.getContainer(id).inspect();
      return c.State.Running ? publishedPort(d, id) : undefined;
    });
    const res = await waitFor(`${h.name} web after restart`, async () => {
      const r = await get(h.address, port);
      return r.ok ? r : undefined;
    });
    console.log(`restartHost: container serving again after ${Math.round(performance.now() - t0)} ms`);
    expect(res.body).toBe(h.name);
    // And the others reach it again.
    const other = hosts[1]!;
    const od = docker.get(other.name)!;
    const { stdout } = await execCapture(od, od.getContainer(server.get(other.name)!.id), ['curl', '-fsS', '--max-time', '5', `http://${h.address}:${port}/`]);
    expect(stdout.trim()).toBe(h.name);
  });

  it('stop() leaves nothing of the prefix, and a second stop() is harmless', async () => {
    const t0 = performance.now();
    await lab.stop();
    console.log(`stop: ${Math.round(performance.now() - t0)} ms`);
    await lab.stop();
    const plan = labPlan({ prefix: PREFIX, count: 3 });
    const { stdout: netns } = await run('ip', ['netns', 'list']);
    expect(netns).not.toContain(`glab.${PREFIX}`);
    const { stdout: links } = await run('ip', ['-o', 'link']);
    expect(links).not.toContain(plan.rootVeth);
    const pgrep = await run('pgrep', ['-af', `gantry-lab/${PREFIX}`]).then(
      (r) => r.stdout,
      () => '',
    );
    expect(pgrep).toBe('');
    expect(existsSync(plan.libDir)).toBe(false);
    expect(existsSync(plan.runDir)).toBe(false);
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(`/gantry-lab/${PREFIX}`);
    expect(existsSync(`/sys/fs/cgroup/memory/gantry-lab/${PREFIX}`)).toBe(false);
  });
});
