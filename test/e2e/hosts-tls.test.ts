/**
 * A remote Docker engine over mutual TLS, end to end: a lab dockerd that runs with --tlsverify
 * (packages/installer/src/lab/tls.ts makes its CA and certificates) is added with `gantry hosts:add
 * --tls-ca --tls-cert --tls-key`; the client key is stored sealed in Postgres and in the Redis
 * registry, the managed agent opens it and drives the engine, and an app's instance runs there.
 * Plain tcp:// is refused unless the admin says --insecure.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiError } from '@gantry/api-client';
import { startLab, type Lab } from '@gantry/installer';
import { cliUser, gantryCli, type CliUser } from './helpers/cli';
import { gantry, testDb, uniqueName } from './helpers/gantry';
import { push, repoFromFixture } from './helpers/git';
import { removeLabHosts } from './helpers/hosts';
import { appGet, waitFor } from './helpers/http';

const STACK = 'gantry/stack:bookworm';

describe('a Docker host over TLS with a client certificate', () => {
  let lab: Lab;
  let admin: CliUser;
  let app: string;
  const dir = mkdtempSync(join(tmpdir(), 'gantry-hosts-tls-'));

  beforeAll(async () => {
    lab = await startLab({ prefix: 'e2etls', count: 1, tls: true });
    // The app's base layers (copied over the TLS connection), so its first boot fetches only its own
    // layers from the build host within the suite's 30 s boot timeout.
    await lab.copyImage(STACK);
    admin = await cliUser('tls-admin', { admin: true });
  }, 120_000);

  afterAll(async () => {
    await admin?.user.client.destroyApp(app).catch(() => {});
    if (admin && lab) await removeLabHosts(admin.user.client, lab.hosts.map((h) => h.name));
    await lab?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it('refuses plain tcp:// without insecure, in the API (422) and in the CLI (before any request)', async () => {
    const [h] = lab.hosts;
    const plain = `tcp://${h!.address}:2375`;
    const err = (await admin.user.client.addHost({ name: uniqueName('plain'), dockerUrl: plain, address: h!.address }).catch((e: ApiError) => e)) as ApiError;
    expect(err.status).toBe(422);
    expect(err.message).toMatch(/^Refusing tcp:\/\/.* without TLS: anyone who can reach that port controls the engine/);
    const cli = await gantryCli(admin.home, ['hosts:add', uniqueName('plain'), '--docker', plain, '--address', h!.address]);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toMatch(/--insecure/);
    // Half the TLS material is an error too, and TLS on a unix socket makes no sense.
    const half = await gantryCli(admin.home, ['hosts:add', uniqueName('half'), '--docker', h!.dockerUrl, '--address', h!.address, '--tls-ca', '/nonexistent']);
    expect(half.stderr).toMatch(/needs all of --tls-ca, --tls-cert and --tls-key/);
    const unixTls = (await admin.user.client.addHost({ name: uniqueName('unix'), dockerUrl: 'unix:///var/run/docker.sock', address: '127.0.0.1', tls: h!.tls! }).catch((e: ApiError) => e)) as ApiError;
    expect(unixTls.status).toBe(422);
    // A key that is no key: refused before any connection, nothing is stored.
    const bad = uniqueName('bad');
    const wrongKey = { ...h!.tls!, key: 'not a key' };
    expect(((await admin.user.client.addHost({ name: bad, dockerUrl: h!.dockerUrl, address: h!.address, tls: wrongKey }).catch((e: ApiError) => e)) as ApiError).status).toBe(422);
    expect((await admin.user.client.hosts()).map((x) => x.name)).not.toContain(bad);
  });

  it('adds the host with its client certificate, keeps the key sealed, and runs an instance there', async () => {
    const [h] = lab.hosts;
    const tls = h!.tls!;
    for (const [file, pem] of [['ca.pem', tls.ca], ['cert.pem', tls.cert], ['key.pem', tls.key]] as const) writeFileSync(join(dir, file), pem);
    const t0 = performance.now();
    const added = await gantryCli(admin.home, [
      'hosts:add', h!.name, '--docker', h!.dockerUrl, '--address', h!.address, '--cpu', '2', '--memory', '4g', '--label', 'engine=tls',
      '--tls-ca', join(dir, 'ca.pem'), '--tls-cert', join(dir, 'cert.pem'), '--tls-key', join(dir, 'key.pem'),
    ]);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toMatch(/TLS, client certificate/);
    expect(added.stderr).not.toMatch(/insecure/i);

    // Sealed at rest: Postgres and the registry agents read hold no private key.
    const row = await testDb().host.findUniqueOrThrow({ where: { name: h!.name } });
    expect(row.tlsKeyEncrypted).toMatch(/^v1:/);
    expect(Object.values(row).map(String).join('\n')).not.toContain('PRIVATE KEY');
    const redis = new Redis(gantry().redisUrl);
    try {
      const registry = Object.values(await redis.hgetall(`gantry:${gantry().instance}:hosts`)).join('\n');
      expect(registry).toContain(h!.name);
      expect(registry).toContain('keyEncrypted');
      expect(registry).not.toContain('PRIVATE KEY');
    } finally {
      redis.disconnect();
    }

    // The managed agent opens the key and reaches the engine: the host comes up.
    await waitFor('the TLS host to be up', async () => (await admin.user.client.hosts()).find((x) => x.name === h!.name)?.status === 'up', 60_000);
    console.log(`[hosts-tls] hosts:add to host up over TLS: ${Math.round(performance.now() - t0)} ms`);

    // Only this app goes there (a constraint, not draining local: apps other files left running
    // would all move onto the new host and fetch their images at once).
    app = uniqueName('tlsapp');
    await admin.user.client.createApp(app);
    const pushed = await push(await repoFromFixture('dockerfile-app'), app, admin.user.token);
    expect(pushed.code, pushed.output).toBe(0);
    await admin.user.client.setConstraints(app, 'web', ['engine=tls']);
    const running = await waitFor(
      'an instance up on the TLS host',
      async () => {
        const list = await admin.user.client.ps(app);
        // The instance on the old host stays up until its replacement is healthy: wait for the handover.
        const up = list.filter((i) => i.state === 'up');
        return up.length > 0 && up.every((i) => i.host === h!.name) ? list : null;
      },
      120_000,
    );
    expect(running.filter((i) => i.state === 'up').every((i) => i.host === h!.name)).toBe(true);
    await waitFor('the app to answer from the TLS host', async () => (await appGet(app)).status === 200, 60_000);
  }, 300_000);
});
