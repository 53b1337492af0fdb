/**
 * A lab whose engines run as a real remote Docker host should: mutual TLS on 2376 (--tlsverify),
 * with a CA and certificates the lab makes. Gantry's connectDocker reaches it with the client
 * certificate; without one, or over plain HTTP, the engine refuses. Needs root and dockerd.
 */
import http from 'node:http';
import https from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDocker, probeEngine } from '@gantry/docker';
import { startLab, type Lab } from '../../packages/installer/src/lab';

const PREFIX = 'it-labtls';

/** Status code of GET /_ping, or the error code of the attempt. */
function pingWith(mod: typeof http | typeof https, url: string, options: https.RequestOptions = {}): Promise<string> {
  return new Promise((resolve) => {
    const req = mod.get(url, { ...options, agent: false, timeout: 3000 }, (res) => {
      res.resume();
      resolve(String(res.statusCode));
    });
    req.once('timeout', () => req.destroy(new Error('timeout')));
    req.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

describe.skipIf(process.getuid?.() !== 0)('Docker lab with TLS', () => {
  let lab: Lab;

  beforeAll(async () => {
    const t0 = performance.now();
    lab = await startLab({ prefix: PREFIX, count: 1, tls: true });
    console.log(`lab of 1 host with TLS (CA, certificates, dockerd --tlsverify) started in ${Math.round(performance.now() - t0)} ms`);
  }, 60_000);

  afterAll(async () => {
    await lab?.stop();
  }, 60_000);

  it('serves the Docker API over mutual TLS only', async () => {
    const [host] = lab.hosts;
    expect(host!.dockerUrl).toBe(`tcp://${host!.address}:2376`);
    const tls = host!.tls!;
    expect(tls.key).toContain('PRIVATE KEY');

    // Gantry's client, with the certificate: the engine answers and the server certificate matches the IP.
    const info = (await connectDocker(host!.dockerUrl, tls).info()) as { Name: string };
    expect(info.Name).toBe(host!.name);
    expect(await probeEngine(host!.dockerUrl, tls)).toMatchObject({ ok: true });

    const ping = `https://${host!.address}:2376/_ping`;
    expect(await pingWith(https, ping, { ca: tls.ca, cert: tls.cert, key: tls.key })).toBe('200');
    // No client certificate: the handshake fails (or the engine closes the connection).
    expect(await pingWith(https, ping, { ca: tls.ca })).not.toBe('200');
    // Plain HTTP to the TLS port: Go answers 400 ("client sent an HTTP request to an HTTPS server").
    expect(await pingWith(http, `http://${host!.address}:2376/_ping`)).toBe('400');
    // And nothing listens on the plain port.
    expect(await pingWith(http, `http://${host!.address}:2375/_ping`)).toBe('ECONNREFUSED');
    // Gantry's client without TLS is refused too.
    const plain = await probeEngine(host!.dockerUrl);
    expect(plain.ok).toBe(false);
  });
});
