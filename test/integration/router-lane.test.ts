/**
 * The router's client lane (apps/router/src/client-lane.ts) on the wire: a real router
 * in-process, a real Node HTTP backend, and a raw TCP client that sends exact bytes and reads
 * exact responses, so framing, connection handling and the hand-off to Node's server are
 * checked as a client sees them.
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningRouter } from '../../apps/router/src/server';
import { inProcessRouter } from './helpers/in-process-router';
import { Wire } from './helpers/wire';

const setup = inProcessRouter('rl');
const { routing } = setup;

let backend: http.Server;
let router: RunningRouter;
const accessLines: string[] = [];
/** Requests the backend saw: method, url, body length. */
const seen: { method: string; url: string; body: number; connection: string | undefined; proto: string | undefined }[] = [];
/** Set when the backend's /forever response was closed by the router. */
let foreverClosed: (() => void) | undefined;

beforeAll(async () => {
  backend = http.createServer(async (req, res) => {
    if (req.url === '/early') {
      // Answers before reading the body (as an app refusing an upload does).
      seen.push({ method: req.method!, url: req.url, body: -1, connection: req.headers.connection, proto: undefined });
      res.setHeader('content-length', 5);
      res.end('early');
      return;
    }
    let body = 0;
    try {
      for await (const chunk of req) body += (chunk as Buffer).length;
    } catch {
      return; // the router abandoned the request (its body never came whole)
    }
    seen.push({ method: req.method!, url: req.url!, body, connection: req.headers.connection, proto: req.headers['x-forwarded-proto'] as string | undefined });
    switch (req.url) {
      case '/chunked':
        res.write('ab');
        await sleep(20);
        res.end('cd');
        return;
      case '/empty':
        res.writeHead(204).end();
        return;
      case '/forever':
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: first\n\n');
        res.on('close', () => foreverClosed?.());
        return;
      default:
        const text = `${req.method} ${req.url} body=${body}`;
        res.setHeader('content-type', 'text/plain');
        res.setHeader('content-length', Buffer.byteLength(text));
        res.end(text);
    }
  });
  backend.listen(0, '127.0.0.1');
  await once(backend, 'listening');
  const port = (backend.address() as AddressInfo).port;
  await routing.set({
    'lane.localhost': { app: 'lane', appId: 'id-lane', backends: [{ id: 'lane-1', host: '127.0.0.1', port, process: 'web.1' }] },
    'empty.localhost': { app: 'empty', appId: 'id-empty', backends: [] },
  });
  router = await setup.start(['lane.localhost'], {
    accessLog: (line) => void accessLines.push(line),
    timeouts: { clientHeadMs: 500, clientRequestMs: 2500, heartbeatMs: 500 },
  });
});

afterAll(async () => {
  await router?.close();
  backend?.closeAllConnections();
  backend?.close();
  await setup.close();
});

const GET = (path: string, extra = '') => `GET ${path} HTTP/1.1\r\nHost: lane.localhost\r\n${extra}\r\n`;

describe('client lane', () => {
  it('answers pipelined GETs on one connection in order, with Node-style connection fields', async () => {
    const wire = new Wire(router.port);
    wire.send(GET('/one') + GET('/two', 'Connection: keep-alive\r\n') + GET('/three'));
    const answers = [await wire.response(), await wire.response(), await wire.response()];
    expect(answers.map((a) => a.body)).toEqual(['GET /one body=0', 'GET /two body=0', 'GET /three body=0']);
    for (const a of answers) {
      expect(a.status).toBe(200);
      expect(a.headers.connection).toBe('keep-alive');
      expect(a.headers['keep-alive']).toBe('timeout=65');
      expect(a.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      expect(a.headers.via).toBe('1.1 gantry');
      expect(a.headers.date).toBeTruthy();
    }
    // Connection is hop-by-hop: the instance does not get the client's.
    expect(seen.find((s) => s.url === '/two')?.connection).toBeUndefined();
    wire.destroy();
  });

  it('hands the connection to Node mid-way for a chunked body, which then serves it on', async () => {
    const wire = new Wire(router.port);
    wire.send(GET('/before'));
    expect((await wire.response()).body).toBe('GET /before body=0');
    wire.send('POST /post HTTP/1.1\r\nHost: lane.localhost\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n3\r\nabc\r\n0\r\n\r\n' + GET('/after'));
    const post = await wire.response();
    expect(post.status).toBe(200);
    expect(post.body).toBe('POST /post body=8');
    expect((await wire.response()).body).toBe('GET /after body=0');
    // Node's server has the connection now: its head timeout is not the lane's (no 408 within 2 s).
    wire.send('GET /slow HTTP/1.1\r\n');
    await expect(wire.response({ timeoutMs: 2000 })).rejects.toThrow(/timed out/);
    wire.destroy();
  });

  it('carries Content-Length bodies, sent with the head or in pieces, and keeps the connection', async () => {
    const wire = new Wire(router.port);
    const small = 'x'.repeat(3000);
    wire.send(`POST /small HTTP/1.1\r\nHost: lane.localhost\r\nContent-Length: ${small.length}\r\n\r\n${small}` + GET('/next'));
    expect((await wire.response()).body).toBe('POST /small body=3000');
    expect((await wire.response()).body).toBe('GET /next body=0');
    // 3 MB in 64 KB pieces, the head alone first: the body waits for the instance, then flows
    // with backpressure both ways.
    const size = 3 * 1024 * 1024;
    wire.send(`PUT /big HTTP/1.1\r\nHost: lane.localhost\r\nContent-Length: ${size}\r\n\r\n`);
    const piece = Buffer.alloc(64 * 1024, 0x61);
    for (let sent = 0; sent < size; sent += piece.length) {
      if (!wire.socket.write(piece)) await once(wire.socket, 'drain');
    }
    expect((await wire.response()).body).toBe(`PUT /big body=${size}`);
    // Still the lane's connection: a late head gets its 408.
    wire.send('GET /slow HTTP/1.1\r\n');
    expect((await wire.response()).status).toBe(408);
    wire.destroy();
  });

  it('reads and drops the rest of a body the answer came before, then serves the next request', async () => {
    const wire = new Wire(router.port);
    const size = 200_000;
    wire.send(`POST /x HTTP/1.1\r\nHost: empty.localhost\r\nContent-Length: ${size}\r\n\r\n`);
    expect((await wire.response()).status).toBe(503);
    wire.send('c'.repeat(size) + GET('/after-503'));
    expect((await wire.response()).body).toBe('GET /after-503 body=0');
    wire.send(`POST /early HTTP/1.1\r\nHost: lane.localhost\r\nContent-Length: ${size}\r\n\r\n` + 'a'.repeat(1000));
    const early = await wire.response();
    expect(early.body).toBe('early');
    wire.send('b'.repeat(size - 1000) + GET('/after-early'));
    expect((await wire.response()).body).toBe('GET /after-early body=0');
    wire.destroy();
  });

  it('answers 413 to a declared body over the limit without reading it, and closes', async () => {
    const wire = new Wire(router.port);
    wire.send(`POST /huge HTTP/1.1\r\nHost: lane.localhost\r\nContent-Length: ${20 * 1024 * 1024}\r\n\r\nsome`);
    const answer = await wire.response();
    expect(answer.status).toBe(413);
    expect(answer.headers.connection).toBe('close');
    await wire.closed();
    expect(seen.some((s) => s.url === '/huge')).toBe(false);
  });

  it('serves TLS connections the same way, handing off to Node mid-way too', async () => {
    const wire = new Wire(router.tlsPort!, { tls: { servername: 'lane.localhost' } });
    wire.send(GET('/tls-one') + GET('/tls-two'));
    expect((await wire.response()).body).toBe('GET /tls-one body=0');
    expect((await wire.response()).body).toBe('GET /tls-two body=0');
    wire.send(`PUT /tls-put HTTP/1.1\r\nHost: lane.localhost\r\nContent-Length: 5\r\n\r\nhello` + GET('/tls-get'));
    expect((await wire.response()).body).toBe('PUT /tls-put body=5');
    expect((await wire.response()).body).toBe('GET /tls-get body=0');
    wire.send('POST /tls-chunked HTTP/1.1\r\nHost: lane.localhost\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n' + GET('/tls-after'));
    expect((await wire.response()).body).toBe('POST /tls-chunked body=2');
    expect((await wire.response()).body).toBe('GET /tls-after body=0');
    expect(seen.filter((s) => s.url.startsWith('/tls-')).map((s) => s.proto)).toEqual(['https', 'https', 'https', 'https', 'https', 'https']);
    expect(accessLines.some((l) => l.includes('path="/tls-one"') && l.includes('protocol=https'))).toBe(true);
    wire.destroy();
    // The lane, not Node's server, reads TLS connections: only the lane answers a late head
    // within a second (Node checks its head timeout every 30 s).
    const slow = new Wire(router.tlsPort!, { tls: { servername: 'lane.localhost' } });
    slow.send('GET /slow HTTP/1.1\r\n');
    expect((await slow.response()).status).toBe(408);
    slow.destroy();
  });

  it('frames responses as Node does: chunked without a length, nothing for HEAD and 204', async () => {
    const wire = new Wire(router.port);
    wire.send(GET('/chunked'));
    const chunked = await wire.response();
    expect(chunked.headers['transfer-encoding']).toBe('chunked');
    expect(chunked.body).toBe('abcd');
    wire.send('HEAD /head HTTP/1.1\r\nHost: lane.localhost\r\n\r\n');
    const head = await wire.response({ head: true });
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(String('HEAD /head body=0'.length));
    expect(head.headers['transfer-encoding']).toBeUndefined();
    wire.send(GET('/empty'));
    const empty = await wire.response();
    expect(empty.status).toBe(204);
    expect(empty.headers['transfer-encoding']).toBeUndefined();
    // Nothing stray was sent after those: the next answer parses cleanly.
    wire.send(GET('/last'));
    expect((await wire.response()).body).toBe('GET /last body=0');
    wire.destroy();
  });

  it('closes the connection after answering "Connection: close"', async () => {
    const wire = new Wire(router.port);
    wire.send(GET('/bye', 'Connection: close\r\n'));
    const bye = await wire.response();
    expect(bye.body).toBe('GET /bye body=0');
    expect(bye.headers.connection).toBe('close');
    await wire.closed();
  });

  it('leaves malformed requests to Node, which answers 400 with the router page', async () => {
    for (const bad of [
      'GET / HTTP/1.1\r\nHost: lane.localhost\r\nBad Name: x\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: lane.localhost\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: lane.localhost\r\nX: a\rb\r\n\r\n',
    ]) {
      const wire = new Wire(router.port);
      wire.send(bad);
      const answer = await wire.response();
      expect(answer.status, JSON.stringify(bad)).toBe(400);
      expect(answer.body).toContain('Request ID:');
      wire.destroy();
    }
  });

  it('answers 408 when a request head does not arrive in time', async () => {
    const wire = new Wire(router.port);
    wire.send(GET('/ok'));
    expect((await wire.response()).status).toBe(200);
    wire.send('GET /slow HTTP/1.1\r\nHost: lane.loc');
    const late = await wire.response();
    expect(late.status).toBe(408);
    expect(late.headers.connection).toBe('close');
    wire.destroy();
  });

  it('answers 408 when a body does not arrive in time, and abandons the exchange with the instance', async () => {
    const wire = new Wire(router.port);
    const started = Date.now();
    wire.send('POST /trickle HTTP/1.1\r\nHost: lane.localhost\r\nContent-Length: 10\r\n\r\nabc');
    const late = await wire.response();
    expect(late.status).toBe(408);
    expect(late.headers.connection).toBe('close');
    expect(Date.now() - started).toBeGreaterThanOrEqual(2400);
    await wire.closed();
    await sleep(100);
    // The instance never got a whole request (its read of the body was cut).
    expect(seen.some((s) => s.url === '/trickle')).toBe(false);
  });

  it('stops the upstream exchange when the client goes away mid-response, and logs the request', async () => {
    const closedUpstream = new Promise<void>((resolve) => (foreverClosed = resolve));
    const wire = new Wire(router.port);
    wire.send(GET('/forever'));
    let buf = '';
    wire.socket.on('data', (d: Buffer) => (buf += d.toString('latin1')));
    while (!buf.includes('data: first')) await sleep(10);
    wire.destroy();
    await closedUpstream;
    await sleep(50);
    const line = accessLines.find((l) => l.includes('path="/forever"'));
    expect(line).toMatch(/^at=info method=GET path="\/forever" host=lane\.localhost .*dyno=web\.1 .*status=200 /);
    expect(accessLines.some((l) => l.includes('path="/one"') && l.includes('status=200') && l.includes('protocol=http'))).toBe(true);
  });
});
