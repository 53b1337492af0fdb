/**
 * The router serves each app's certificate by SNI on its HTTPS port, redirects plain HTTP when the
 * app asks, and writes a Heroku-style line for every request into the app's log stream.
 */
import { request as httpsRequest } from 'node:https';
import { X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { gantry, newUser, uniqueName, type TestUser } from './helpers/gantry';
import { push, repoFromFixture } from './helpers/git';
import { get, waitFor } from './helpers/http';
import { selfSigned } from './helpers/certs';

const tlsPort = () => Number(gantry().env.GANTRY_ROUTER_TLS_PORT);

/** GET over TLS to the router with a given SNI name; resolves with the served certificate. */
function getTls(servername: string, path = '/'): Promise<{ status: number; body: string; fingerprint: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      { host: '127.0.0.1', port: tlsPort(), path, servername, headers: { host: servername }, rejectUnauthorized: false, agent: false, timeout: 10_000 },
      (res) => {
        const cert = (res.socket as import('node:tls').TLSSocket).getPeerCertificate();
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, fingerprint: cert.fingerprint256 }));
      },
    );
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end();
  });
}

describe('router: TLS by SNI, HTTPS redirect, request log lines', () => {
  let user: TestUser;
  const apps = [uniqueName('tls-a'), uniqueName('tls-b')];
  const domains = apps.map((a) => `${a}.example.net`);
  const certs = domains.map((d) => selfSigned([d]));

  beforeAll(async () => {
    user = await newUser('tls');
    for (const [i, app] of apps.entries()) {
      await user.client.createApp(app);
      expect((await push(await repoFromFixture('dockerfile-app'), app, user.token)).code).toBe(0);
      await user.client.addDomain(app, domains[i]!);
      await user.client.addCert(app, certs[i]!.cert, certs[i]!.key);
    }
  });

  it('serves each app with its own certificate, chosen by SNI', async () => {
    for (const [i, domain] of domains.entries()) {
      const expected = new X509Certificate(certs[i]!.cert).fingerprint256;
      const res = await waitFor(`HTTPS for ${domain}`, async () => {
        const r = await getTls(domain).catch(() => null);
        return r?.status === 200 ? r : null;
      });
      expect(res.fingerprint).toBe(expected);
      expect(res.body).toContain('hello from the Dockerfile app');
    }
    await expect(getTls('nobody.example.net')).rejects.toThrow();
  });

  it('redirects plain HTTP to HTTPS when the app asks', async () => {
    await user.client.updateRouterSettings(apps[0]!, { httpsRedirect: true });
    const res = await waitFor('the redirect', async () => {
      const r = await get(gantry().routerPort, domains[0]!, '/some/path?x=1');
      return r.status === 301 ? r : null;
    });
    expect(res.headers.location).toBe(`https://${domains[0]}:${tlsPort()}/some/path?x=1`);
    expect((await getTls(domains[0]!, '/')).status).toBe(200); // HTTPS itself is not redirected
    expect((await get(gantry().routerPort, domains[1]!)).status).toBe(200); // other apps unaffected
  });

  it("writes a router line for every request into the app's log stream", async () => {
    await get(gantry().routerPort, domains[1]!, '/logged?q=1', { 'x-request-id': 'test-request-id-0123456789' });
    const lines = await waitFor('the router line', async () => {
      const logs = await user.client.logs(apps[1]!, 200);
      const line = logs.find((l) => l.source === 'router' && l.line.includes('test-request-id-0123456789'));
      return line ?? null;
    });
    expect(lines.line).toMatch(/^at=info method=GET path="\/logged\?q=1" host=\S+ request_id=test-request-id-0123456789 fwd="[^"]+" dyno=web\.1 connect=\d+ms service=\d+ms status=200 bytes=\d+/);
  });
});
