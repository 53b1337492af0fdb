/**
 * The router speaks strict HTTP/1.1 (RFC 9112), on the wire: a real router in-process (its
 * default head and first-byte timeouts, so "at once" means no timeout was waited for), real
 * backends (a Node HTTP server, and a raw TCP one that answers with LF line endings), and a raw
 * TCP/TLS client that sends exact bytes. Each request goes both ways into the router where it
 * matters: read by the client lane, and on a connection the lane handed to Node's server.
 */
import { once } from 'node:events';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningRouter } from '../../apps/router/src/server';
import { inProcessRouter } from './helpers/in-process-router';
import { exchange, Wire } from './helpers/wire';

const setup = inProcessRouter('rc');
const { routing } = setup;

let backend: http.Server;
let lfBackend: net.Server;
let router: RunningRouter;
/** What the Node backend received: url, headers, body length; or that a request was cut. */
const seen: { url: string; headers: http.IncomingHttpHeaders; body: number }[] = [];
const cut: string[] = [];

beforeAll(async () => {
  backend = http.createServer(async (req, res) => {
    let body = 0;
    try {
      for await (const chunk of req) body += (chunk as Buffer).length;
    } catch {
      cut.push(req.url!);
      return;
    }
    seen.push({ url: req.url!, headers: req.headers, body });
    const text = JSON.stringify({ app: true, url: req.url, body, headers: req.headers });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  });
  backend.listen(0, '127.0.0.1');
  await once(backend, 'listening');
  // An app whose responses end their lines with LF only (once its request head arrived).
  lfBackend = net.createServer((socket) => {
    let head = '';
    socket.on('data', (d: Buffer) => {
      head += d.toString('latin1');
      if (head.includes('\r\n\r\n')) {
        head = '';
        socket.write('HTTP/1.1 200 OK\nContent-Type: text/plain\nContent-Length: 2\n\nok');
      }
    });
    socket.on('error', () => {});
  });
  lfBackend.listen(0, '127.0.0.1');
  await once(lfBackend, 'listening');
  const port = (backend.address() as AddressInfo).port;
  const lfPort = (lfBackend.address() as AddressInfo).port;
  const app = (name: string, p: number) => ({ app: name, appId: `id-${name}`, backends: [{ id: `${name}-1`, host: '127.0.0.1', port: p, process: 'web.1' }] });
  await routing.set({
    'app.localhost': app('app', port),
    // A name that is an address (as a user might have claimed once): /_health stays the router's.
    '127.0.0.1': app('claimed', port),
    'lf.localhost': app('lf', lfPort),
  });
  router = await setup.start(['app.localhost'], {
    // Default head (60 s) and first-byte (30 s) timeouts: every refusal below must come at once.
    timeouts: { heartbeatMs: 500 },
  });
});

afterAll(async () => {
  await router?.close();
  backend?.closeAllConnections();
  backend?.close();
  lfBackend?.close();
  await setup.close();
});

const GET = (path: string, host = 'app.localhost', extra = '') => `GET ${path} HTTP/1.1\r\nHost: ${host}\r\n${extra}\r\n`;
/** A chunked request first: the lane hands the connection to Node's server, which reads what follows. */
const VIA_NODE = 'POST /handoff HTTP/1.1\r\nHost: app.localhost\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n';

/** Sends `request` on a new connection, read by the lane or (after a hand-off request) by Node. */
async function ask(request: string, path: 'lane' | 'node') {
  const wire = new Wire(router.port);
  if (path === 'node') {
    wire.send(VIA_NODE);
    const first = await wire.response();
    expect(first.status).toBe(200);
  }
  const started = performance.now();
  wire.send(request);
  const answer = await wire.response();
  return { ...answer, ms: performance.now() - started, wire };
}

/** A 400 page from the router, with Connection: close, then the connection closes. */
async function expectRefused(answer: Awaited<ReturnType<typeof ask>>, text?: RegExp) {
  expect(answer.status).toBe(400);
  expect(answer.headers.connection).toBe('close');
  expect(answer.body).toContain('Gantry router');
  expect(answer.body).toContain(`Request ID: ${answer.headers['x-request-id']}`);
  if (text) expect(answer.body).toMatch(text);
  expect(answer.ms).toBeLessThan(2000);
  await answer.wire.closed();
}

describe('router conformance (RFC 9112)', () => {
  describe.each(['lane', 'node'] as const)('requests read by the %s', (path) => {
    it('refuses two Host headers with 400, even when both are the same', async () => {
      for (const hosts of ['Host: app.localhost\r\nHost: other.localhost', 'Host: app.localhost\r\nhost: app.localhost']) {
        await expectRefused(await ask(`GET /two-hosts HTTP/1.1\r\n${hosts}\r\n\r\n`, path), /more than one Host/);
      }
      expect(seen.some((s) => s.url === '/two-hosts')).toBe(false);
    });

    it('refuses a Host with an invalid port with 400', async () => {
      for (const host of ['app.localhost:abc', 'app.localhost:99999', 'app.localhost:8080:80', 'app.localhost: 80']) {
        await expectRefused(await ask(GET('/bad-port', host), path), /not a host name/);
      }
      expect(seen.some((s) => s.url === '/bad-port')).toBe(false);
    });

    it('answers 502 at once when the app sends LF-only header lines (no wait for a 504)', async () => {
      const request = path === 'lane' ? GET('/', 'lf.localhost') : 'POST / HTTP/1.1\r\nHost: lf.localhost\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n';
      const wire = new Wire(router.port);
      const started = performance.now();
      wire.send(request);
      const answer = await wire.response();
      expect(answer.status).toBe(502);
      expect(answer.body).toContain('lf closed the connection without a response');
      expect(performance.now() - started).toBeLessThan(2000);
      wire.destroy();
    });

    it('sets X-Forwarded-Port from the port the client connected to, never from Host', async () => {
      const answer = await ask(GET('/port', 'app.localhost:9999', 'X-Forwarded-Port: 1234\r\n'), path);
      const sent = JSON.parse(answer.body) as { headers: http.IncomingHttpHeaders };
      expect(sent.headers['x-forwarded-port']).toBe(String(router.port));
      expect(sent.headers['x-forwarded-host']).toBe('app.localhost:9999');
      answer.wire.destroy();
    });

    it("answers /_health itself for every Host, an app's or an address that routes to one", async () => {
      for (const host of ['app.localhost', `app.localhost:${router.port}`, '127.0.0.1', `127.0.0.1:${router.port}`, 'localhost']) {
        const answer = await ask(GET('/_health', host), path);
        expect(answer.status, host).toBe(200);
        expect(JSON.parse(answer.body), host).toMatchObject({ ok: true, draining: false, redis: 'up' });
        answer.wire.destroy();
      }
      expect(seen.some((s) => s.url === '/_health')).toBe(false);
      // Other paths on those hosts still reach the app.
      const app = await ask(GET('/_healthz', '127.0.0.1'), path);
      expect(JSON.parse(app.body)).toMatchObject({ app: true, url: '/_healthz' });
      app.wire.destroy();
    });
  });

  it('answers 400 at once to a request with LF or CR line endings (no wait for a 408), on either path', async () => {
    for (const request of [
      'GET /lf HTTP/1.1\nHost: app.localhost\n\n',
      'GET /lf HTTP/1.1\r\nHost: app.localhost\r\n\n',
      'GET /lf HTTP/1.1\r\nHost: app.localhost\nX-A: b\r\n',
      'GET /lf HTTP/1.1\rHost: app.localhost\r\r',
    ]) {
      // The lane waited for CRLF CRLF until its head timeout; Node's parser refuses at once.
      for (const path of ['lane', 'node'] as const) await expectRefused(await ask(request, path));
    }
    expect(seen.some((s) => s.url === '/lf')).toBe(false);
  });

  it('answers /_health itself over TLS and on a websocket upgrade to an app host', async () => {
    const secure = new Wire(router.tlsPort!, { tls: { servername: 'app.localhost' } });
    secure.send(GET('/_health'));
    const overTls = await secure.response();
    expect(JSON.parse(overTls.body)).toMatchObject({ ok: true });
    secure.destroy();
    const upgrade = await exchange(router.port, GET('/_health', 'app.localhost', 'Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n'));
    expect(upgrade.status).toBe(200);
    expect(JSON.parse(upgrade.body)).toMatchObject({ ok: true });
    upgrade.wire.destroy();
    expect(seen.some((s) => s.url === '/_health')).toBe(false);
  });

  it('sets X-Forwarded-Port from the TLS listener for TLS clients', async () => {
    const secure = new Wire(router.tlsPort!, { tls: { servername: 'app.localhost' } });
    secure.send(GET('/tls-port', 'app.localhost:443'));
    const sent = JSON.parse((await secure.response()).body) as { headers: http.IncomingHttpHeaders };
    expect(sent.headers['x-forwarded-port']).toBe(String(router.tlsPort));
    expect(sent.headers['x-forwarded-proto']).toBe('https');
    secure.destroy();
  });

  it('refuses a websocket upgrade with two Host headers with 400', async () => {
    const answer = await exchange(
      router.port,
      'GET /ws HTTP/1.1\r\nHost: app.localhost\r\nHost: other.localhost\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    );
    await expectRefused(answer, /more than one Host/);
  });

  it('answers a malformed chunked body with a 400 page before closing, and abandons the exchange', async () => {
    for (const [name, body] of [
      ['/bad-size', 'zz\r\nabc\r\n0\r\n\r\n'],
      ['/lf-chunk', '3\nabc\n0\n\n'],
      ['/no-crlf-after-data', '3\r\nabcX0\r\n\r\n'],
      ['/huge-size', 'fffffffffffffffffff\r\nabc\r\n'],
    ] as const) {
      const wire = new Wire(router.port);
      const started = performance.now();
      // The head first: the request is on its way to the app when the bad chunk arrives.
      wire.send(`POST ${name} HTTP/1.1\r\nHost: app.localhost\r\nTransfer-Encoding: chunked\r\n\r\n`);
      await new Promise((resolve) => setTimeout(resolve, 50));
      wire.send(body);
      const answer = await wire.response();
      await expectRefused({ ...answer, ms: performance.now() - started, wire });
    }
    const names = ['/bad-size', '/lf-chunk', '/no-crlf-after-data', '/huge-size'];
    expect(seen.filter((s) => names.includes(s.url))).toEqual([]);
    // The app got each request's head, and its exchange was cut (not left waiting for a body).
    for (let i = 0; i < 50 && !names.every((n) => cut.includes(n)); i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(cut.filter((n) => names.includes(n)).sort()).toEqual([...names].sort());
  });

  it('answers a request before a malformed pipelined one, then closes (Node reads both at once)', async () => {
    const wire = new Wire(router.port);
    wire.send(VIA_NODE);
    expect((await wire.response()).status).toBe(200);
    wire.send(GET('/before-bad') + 'GET /bad HTTP/1.1\r\nHost: app.localhost\r\nBad Name: x\r\n\r\n');
    const first = await wire.response();
    expect(first.status).toBe(200);
    expect(JSON.parse(first.body)).toMatchObject({ app: true, url: '/before-bad' });
    expect(first.headers.connection).toBe('close');
    await wire.closed();
  });

  it('refuses Transfer-Encoding other than chunked with 400', async () => {
    for (const [coding, body] of [
      ['gzip, chunked', '3\r\nabc\r\n0\r\n\r\n'],
      ['gzip', 'abc'],
      ['foo', ''],
      ['chunked, chunked', '3\r\nabc\r\n0\r\n\r\n'],
    ] as const) {
      const answer = await exchange(router.port, `POST /coding HTTP/1.1\r\nHost: app.localhost\r\nTransfer-Encoding: ${coding}\r\n\r\n${body}`);
      await expectRefused(answer);
    }
    expect(seen.some((s) => s.url === '/coding')).toBe(false);
  });

  it('answers CONNECT with a 400 page, then closes', async () => {
    const answer = await exchange(router.port, 'CONNECT app.localhost:443 HTTP/1.1\r\nHost: app.localhost:443\r\n\r\n');
    await expectRefused(answer, /CONNECT is not supported/);
  });
});
