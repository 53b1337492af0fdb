/**
 * BUILDPACK_URL against the egress policy with real git and real listeners: an internal address
 * in any notation or by name is refused before git runs (the listener sees no connection); an
 * allowed private host is cloned from a real smart-HTTP git server (git http-backend), and git
 * connects to the address that was checked, not to what DNS says at connect time.
 */
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, parseCidr, type EgressPolicy } from '@gantry/core';
import { planBuildpacks } from '../../apps/builder/src/buildpacks';
import { cloneBuildpack } from '../../apps/builder/src/buildpack-fetch';
import { gitHttpBackend } from '../helpers/git-http';

interface Listener {
  port: number;
  /** Requests seen: "METHOD url host". */
  seen: string[];
  connections: number;
  close(): Promise<void>;
}

/** An HTTP server on `host`; `serve` answers (a git http-backend by default: 404). */
async function listener(host: string, port = 0, serve?: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<Listener> {
  const seen: string[] = [];
  let connections = 0;
  const server = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url} ${req.headers.host}`);
    if (serve) serve(req, res);
    else res.writeHead(404).end();
  });
  server.on('connection', () => connections++);
  server.listen(port, host);
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    get connections() {
      return connections;
    },
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

const allow = (...cidrs: string[]): EgressPolicy => ({ allow: cidrs.map((c) => parseCidr(c)!), clusterHosts: [] });
/** A resolver that answers `address` for every name (what DNS "says"). */
const resolveTo = (address: string) => (_h: string, _o: unknown, cb: (e: null, a: { address: string; family: number }[]) => void) => cb(null, [{ address, family: 4 }]);

let work: string;
let builtin: string;
const listeners: Listener[] = [];

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'gantry-bp-egress-'));
  builtin = join(work, 'builtin');
  // A buildpack repository: bin/compile and bin/detect, served as /bp.git.
  const src = join(work, 'src');
  execFileSync('sh', ['-c', 'mkdir -p "$1/bin" && printf "#!/bin/sh\\n" > "$1/bin/compile" && cp "$1/bin/compile" "$1/bin/detect" && chmod +x "$1/bin/"*', 'sh', src]);
  const git = (...args: string[]) => execFileSync('git', args, { cwd: src, env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } });
  git('init', '-q', '-b', 'main');
  git('add', '.');
  git('commit', '-qm', 'buildpack');
  execFileSync('git', ['clone', '-q', '--bare', src, join(work, 'repos', 'bp.git')]);
});

afterAll(async () => {
  await Promise.all(listeners.map((l) => l.close()));
  rmSync(work, { recursive: true, force: true });
});

describe('BUILDPACK_URL egress', () => {
  it('refuses internal addresses in any notation or by name, and git never connects', async () => {
    const l = await listener('127.0.0.1');
    listeners.push(l);
    const p = l.port;
    for (const [url, why] of [
      [`http://127.0.0.1:${p}/bp.git`, /buildpack URL host 127\.0\.0\.1 is a loopback address \(127\.0\.0\.0\/8\); only public addresses are allowed\. An admin can allow the range with `gantry settings:set egress\.allow=127\.0\.0\.0\/8`/],
      [`http://0x7f.1:${p}/bp.git`, /buildpack URL host 127\.0\.0\.1 is a loopback address/],
      [`http://2130706433:${p}/bp.git`, /buildpack URL host 127\.0\.0\.1 is a loopback address/],
      [`http://localhost:${p}/bp.git`, /buildpack URL host localhost \(127\.0\.0\.1\) is a loopback address/],
      [`https://[::ffff:127.0.0.1]:${p}/bp.git`, /carrying 127\.0\.0\.1, which is a loopback address/],
      ['https://10.1.2.3/bp.git#main', /buildpack URL host 10\.1\.2\.3 is a private address \(10\.0\.0\.0\/8\)/],
      ['http://169.254.169.254/latest/meta-data', /is a cloud metadata address; it is never allowed/],
    ] as const) {
      const err = await planBuildpacks(builtin, ['nodejs'], { source: 'BUILDPACK_URL', entries: [url] }, async () => ({ policy: DEFAULT_POLICY })).catch((e: Error) => e);
      expect(err, url).toBeInstanceOf(Error);
      expect((err as Error).name, url).toBe('BuildFailure');
      expect((err as Error).message, url).toMatch(/^Could not fetch the buildpack /);
      expect((err as Error).message, url).toMatch(why);
    }
    await new Promise((r) => setTimeout(r, 200));
    expect(l.connections).toBe(0);
  });

  it('clones from an allowed private host, connecting to the checked address only', async () => {
    // Two listeners on one port: 127.0.0.1 (what the system resolver says "localhost" is) and
    // 127.0.0.2 (what the check resolved). git must reach the second.
    const checked = await listener('127.0.0.2', 0, gitHttpBackend(join(work, 'repos')));
    const other = await listener('127.0.0.1', checked.port);
    listeners.push(checked, other);
    const plan = await planBuildpacks(builtin, ['nodejs'], { source: 'BUILDPACK_URL', entries: [`http://localhost:${checked.port}/bp.git#main`] }, async () => ({ policy: allow('127.0.0.0/8'), resolve: resolveTo('127.0.0.2') }));
    try {
      expect(plan.chosen).toBe(true);
      const dir = Object.keys(plan.mounts).find((k) => plan.mounts[k] === '/buildpack-custom/1')!;
      expect(plan.buildpacks).toEqual([{ name: 'bp', entry: `http://localhost:${checked.port}/bp.git#main`, dir: '/buildpack-custom/1', hostDir: dir, builtin: false }]);
      expect(execFileSync('ls', [join(dir, 'bin')]).toString().split('\n').filter(Boolean).sort()).toEqual(['compile', 'detect']);
    } finally {
      await plan.cleanup();
    }
    expect(checked.seen[0]).toBe(`GET /bp.git/info/refs?service=git-upload-pack localhost:${checked.port}`);
    expect(other.connections).toBe(0);
  });

  it('does not follow a redirect to another address', async () => {
    const target = await listener('127.0.0.1');
    const redirector = await listener('127.0.0.3', 0, (_req, res) => res.writeHead(302, { location: `http://127.0.0.1:${target.port}/bp.git/info/refs?service=git-upload-pack` }).end());
    listeners.push(target, redirector);
    const dir = join(work, 'redirected');
    const err = await cloneBuildpack(`http://127.0.0.3:${redirector.port}/bp.git`, dir, { policy: allow('127.0.0.3/32') }).catch((e: Error) => e);
    expect((err as Error).message).toMatch(/^Could not fetch the buildpack http:\/\/127\.0\.0\.3:\d+\/bp\.git: /);
    expect(redirector.seen.length).toBeGreaterThan(0);
    expect(target.connections).toBe(0);
  });
});
