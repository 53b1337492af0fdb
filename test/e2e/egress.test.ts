/**
 * Destinations a tenant types, against the Gantry under test (real API, drains service, builder,
 * git and CLI): a drain or a BUILDPACK_URL aimed at loopback or private addresses, in any
 * notation or by a name that resolves there, is refused with the reason, and the listener behind
 * it never sees a connection; once an admin allows the range, the same collector gets the lines.
 * Only Gantry admins read or change the allow list.
 */
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, type DrainView } from '@gantry/api-client';
import { CLI_BIN, cliHome, userEnv, type CliResult } from './helpers/cli';
import { setEgressAllow } from './helpers/egress';
import { gantry, newUser, uniqueName, type TestUser } from './helpers/gantry';
import { push, repoFromFixture } from './helpers/git';
import { waitFor } from './helpers/http';

/** An HTTP listener on 127.0.0.1 that records every connection and request body. */
async function listener() {
  let connections = 0;
  const bodies: string[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => (bodies.push(body), res.writeHead(204).end()));
  });
  server.on('connection', () => connections++);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    bodies,
    get connections() {
      return connections;
    },
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

/** The real CLI as `who`, through GANTRY_API_URL and GANTRY_TOKEN. */
function cli(who: TestUser, args: string[]): Promise<CliResult> {
  const env = userEnv(cliHome(), { GANTRY_API_URL: gantry().apiUrl, GANTRY_TOKEN: who.token });
  return new Promise((done) => {
    execFile(process.execPath, [CLI_BIN, ...args], { env, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
      done({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

describe('egress: user-supplied destinations', () => {
  let admin: TestUser;
  let owner: TestUser;
  let app: string;
  let l: Awaited<ReturnType<typeof listener>>;

  beforeAll(async () => {
    [admin, owner] = [await newUser('eg-admin', { admin: true }), await newUser('eg-owner')];
    app = uniqueName('egress');
    await owner.client.createApp(app);
    l = await listener();
    await setEgressAllow('');
  });

  afterAll(async () => {
    await l?.close();
    await setEgressAllow('127.0.0.1/32').catch(() => {});
  });

  it('lets only Gantry admins read and change the allow list, and checks its values', async () => {
    await expect(owner.client.settings()).rejects.toMatchObject({ status: 403 });
    await expect(owner.client.setSetting('egress.allow', '10.0.0.0/8')).rejects.toMatchObject({ status: 403, message: 'Only Gantry admins read and change installation settings.' });
    const cliRefused = await cli(owner, ['settings:set', 'egress.allow=10.0.0.0/8']);
    expect(cliRefused.code).toBe(1);
    expect(cliRefused.stderr).toContain('Only Gantry admins read and change installation settings.');

    for (const [value, why] of [
      ['0.0.0.0/0', /too broad/],
      ['10/8', /"10\/8" is not an IP range/],
      ['10.0.0.0/33', /is not an IP range/],
    ] as const) {
      const err = (await admin.client.setSetting('egress.allow', value).catch((e: unknown) => e)) as ApiError;
      expect(err.status, value).toBe(422);
      expect(err.message).toMatch(why);
      // The CLI says the same before any request.
      const r = await cli(admin, ['settings:set', `egress.allow=${value}`]);
      expect(r.code, value).toBe(1);
      expect(r.stderr).toMatch(why);
    }
    await expect(admin.client.setSetting('no.such', 'x')).rejects.toMatchObject({ status: 422, message: expect.stringContaining('Unknown setting "no.such"') });
    const listed = await admin.client.settings();
    expect(listed).toEqual([expect.objectContaining({ key: 'egress.allow', value: '' })]);
  });

  it('refuses drains to internal addresses when added, with the reason and how to allow them', async () => {
    // 127.0.0.1 is also the address of this Gantry's local host: that reason comes first.
    for (const [url, why] of [
      [`http://127.0.0.1:${l.port}/logs`, /^drain destination 127\.0\.0\.1 is the address of a Gantry host \([a-z0-9-]+\); an admin can allow that one address with `gantry settings:set egress\.allow=127\.0\.0\.1\/32`/],
      [`syslog://0x7f.0.0.2:${l.port}`, /^drain destination 0x7f\.0\.0\.2 \(127\.0\.0\.2\) is a loopback address \(127\.0\.0\.0\/8\); only public addresses are allowed\. An admin can allow the range with `gantry settings:set egress\.allow=127\.0\.0\.0\/8`/],
      [`http://2130706434:${l.port}/`, /^drain destination 127\.0\.0\.2 is a loopback address/],
      [`https://[::ffff:127.0.0.2]:${l.port}/`, /carrying 127\.0\.0\.2, which is a loopback address/],
      ['syslog+tls://10.0.0.5:6514', /^drain destination 10\.0\.0\.5 is a private address \(10\.0\.0\.0\/8\)/],
      ['https://169.254.169.254/latest', /^drain destination 169\.254\.169\.254 is a cloud metadata address; it is never allowed\.$/],
      ['syslog://100.64.1.1:514', /is a carrier-grade NAT \(shared\) address/],
    ] as const) {
      const err = (await owner.client.addDrain(app, url).catch((e: unknown) => e)) as ApiError;
      expect(err, url).toBeInstanceOf(ApiError);
      expect(err.status, url).toBe(422);
      expect(err.id, url).toBe('destination_refused');
      expect(err.message, url).toMatch(why);
    }
    const r = await cli(owner, ['drains:add', `http://127.0.0.1:${l.port}/logs`, '-a', app]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('drain destination 127.0.0.1 is the address of a Gantry host');
    expect(await owner.client.drains(app)).toEqual([]);
    expect(l.connections).toBe(0);
  });

  it('never contacts a name that resolves to loopback, says why, and delivers once an admin allows it', async () => {
    const url = `http://localhost:${l.port}/logs`;
    await owner.client.addDrain(app, url);
    // Lines to forward: each config change writes a release line into the app's log stream.
    const refusal = await waitFor('the drain to report its refusal', async () => {
      await owner.client.setConfig(app, { TICK: String(Date.now()) });
      const [d] = (await owner.client.drains(app)) as DrainView[];
      return d?.stats?.error;
    }, 30_000, 1_000);
    expect(refusal).toMatch(/^drain destination localhost \(127\.0\.0\.1\) is the address of a Gantry host \([a-z0-9-]+\); an admin can allow that one address/);
    const shown = await cli(owner, ['drains', '-a', app]);
    expect(shown.stdout).toContain('drain destination localhost');
    expect(l.connections).toBe(0);

    await setEgressAllow('127.0.0.1/32');
    await waitFor('release lines at the allowed collector', async () => {
      await owner.client.setConfig(app, { TICK: String(Date.now()) });
      return l.bodies.some((b) => b.includes('Release v'));
    }, 60_000, 1_000);
    await owner.client.removeDrain(app, url);
    await setEgressAllow('');
  });

  it('fails a push whose BUILDPACK_URL is internal, before git connects', async () => {
    const before = l.connections;
    const bp = uniqueName('egress-bp');
    await owner.client.createApp(bp);
    await owner.client.setConfig(bp, { BUILDPACK_URL: `http://localhost:${l.port}/buildpack.git` });
    const pushed = await push(await repoFromFixture('mixed-app'), bp, owner.token);
    expect(pushed.code).not.toBe(0);
    expect(pushed.output).toContain(`Could not fetch the buildpack http://localhost:${l.port}/buildpack.git: buildpack URL host localhost (127.0.0.1) is the address of a Gantry host`);
    expect(pushed.output).toContain('gantry settings:set egress.allow=127.0.0.1/32');
    expect(l.connections).toBe(before);
  });
});
