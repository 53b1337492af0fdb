/**
 * The router against real parts: the shared Redis (under a unique GANTRY_INSTANCE prefix),
 * the real router started in-process, and real HTTP/websocket backends on random ports.
 * The router's own Redis connections go through a TCP relay the tests can cut, to simulate a
 * Redis outage without touching the shared server.
 */
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { connectRedis, keysFor, RoutingTable, type Route } from '@gantry/live';
import { createLogger } from '../../apps/router/src/log';
import { startRouter, type RunningRouter } from '../../apps/router/src/server';
import { freePort as closedPort, request as sharedRequest, until, type Reply } from './helpers/router-processes';

const REDIS_PORT = 6379;
const instance = `rt-${randomBytes(4).toString('hex')}`;
const keys = keysFor(instance);

// ---------------------------------------------------------------------------------------------
// Helpers: backends, requests, Redis relay

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  bodyLength: number;
  bodySha: string;
}

interface TestBackend {
  name: string;
  port: number;
  hits: number;
  /** Headers of the last websocket upgrade it accepted. */
  wsHeaders: http.IncomingHttpHeaders | undefined;
  close(): Promise<void>;
}

async function startBackend(name: string): Promise<TestBackend> {
  const backend: TestBackend = { name, port: 0, hits: 0, wsHeaders: undefined, close: async () => {} };
  const server = http.createServer(async (req, res) => {
    backend.hits++;
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://backend');
    if (url.pathname === '/slow') await sleep(Number(url.searchParams.get('ms') ?? 1000));
    const seen: Seen & { name: string } = {
      name,
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      bodyLength: body.length,
      bodySha: createHash('sha256').update(body).digest('hex'),
    };
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(seen));
  });
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws, req) => {
    backend.wsHeaders = req.headers;
    ws.on('message', (data) => ws.send(`${name}:${String(data)}`));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  backend.port = (server.address() as AddressInfo).port;
  backend.close = async () => {
    for (const client of wss.clients) client.terminate();
    wss.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return backend;
}

const clientAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/** The shared client's request, on this file's keep-alive agent unless told otherwise. */
function request(port: number, host: string, path = '/', opts: Parameters<typeof sharedRequest>[3] = {}): Promise<Reply> {
  return sharedRequest(port, host, path, { ...opts, agent: opts.agent ?? clientAgent });
}

const seen = (r: Reply) => JSON.parse(r.body) as Seen & { name: string };

/** TCP relay to Redis whose connections can be cut and which can come back on the same port. */
async function startRelay(targetPort: number) {
  let server: net.Server | undefined;
  let port = 0;
  const sockets = new Set<net.Socket>();
  const open = async () => {
    server = net.createServer((client) => {
      const upstream = net.connect(targetPort, '127.0.0.1');
      sockets.add(client).add(upstream);
      const done = () => {
        client.destroy();
        upstream.destroy();
        sockets.delete(client);
        sockets.delete(upstream);
      };
      client.on('error', done).on('close', done);
      upstream.on('error', done).on('close', done);
      client.pipe(upstream).pipe(client);
    });
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  };
  await open();
  return {
    get port() {
      return port;
    },
    /** Stops listening and cuts every relayed connection. */
    async cut() {
      const s = server;
      server = undefined;
      for (const socket of sockets) socket.destroy();
      if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
    },
    restore: open,
  };
}

// ---------------------------------------------------------------------------------------------

const admin = connectRedis(`redis://127.0.0.1:${REDIS_PORT}/0`, `${instance}-test-admin`);
const routing = new RoutingTable(admin, keys);
const logLines: string[] = [];
const log = createLogger('debug', (line) => void logLines.push(line));

let relay: Awaited<ReturnType<typeof startRelay>>;
let routerRedis: ReturnType<typeof connectRedis>;
let routerSub: ReturnType<typeof connectRedis>;
let router: RunningRouter;
let a1: TestBackend;
let a2: TestBackend;
let b1: TestBackend;
const backends: TestBackend[] = [];

let nextId = 0;
/** A route whose instances get fresh ids (so no ejection state carries over between tests). */
function route(app: string, ports: number[]): Route {
  return {
    app,
    appId: `id-${app}`,
    backends: ports.map((port, i) => ({ id: `${app}-${++nextId}`, host: '127.0.0.1', port, process: `web.${i + 1}` })),
  };
}

/** Changes the table and waits until the test router serves the new version. */
async function setRoutes(changes: Record<string, Route | null>): Promise<number> {
  const version = await routing.set(changes);
  expect(await routing.waitForRouters(version, 10_000)).toEqual([]);
  expect(router.version).toBeGreaterThanOrEqual(version);
  return version;
}

const get = (host: string, path = '/', opts: Parameters<typeof request>[3] = {}) => request(router.port, host, path, opts);

async function presence(id: string): Promise<{ version: number; at: number } | null> {
  const json = await admin.hget(keys.routers, id);
  return json ? (JSON.parse(json) as { version: number; at: number }) : null;
}

beforeAll(async () => {
  a1 = await startBackend('a1');
  a2 = await startBackend('a2');
  b1 = await startBackend('b1');
  backends.push(a1, a2, b1);
  await routing.set({ 'a.localhost': route('alpha', [a1.port]), 'b.localhost': route('bravo', [b1.port]) });
  relay = await startRelay(REDIS_PORT);
  routerRedis = connectRedis(`redis://127.0.0.1:${relay.port}/0`, `${instance}-router`);
  routerSub = connectRedis(`redis://127.0.0.1:${relay.port}/0`, `${instance}-router-sub`);
  router = await startRouter({
    bind: '127.0.0.1',
    port: 0,
    appsDomain: 'localhost',
    keys,
    redis: routerRedis,
    subscriber: routerSub,
    log,
    timeouts: { heartbeatMs: 500, firstByteMs: 1500 },
  });
});

afterAll(async () => {
  await router?.close();
  routerRedis?.disconnect();
  routerSub?.disconnect();
  await relay?.cut();
  clientAgent.destroy();
  await Promise.all(backends.map((b) => b.close()));
  const leftovers = await admin.keys(`${keys.prefix}*`);
  if (leftovers.length) await admin.del(...leftovers);
  await admin.quit();
});

describe('router', () => {
  it('reports the table version it serves, and its event loop delay, in the routers hash', async () => {
    const live = await routing.liveRouters();
    expect(live.get(router.id)?.version).toBe(await routing.version());
    // Each report carries the delay measured since the one before.
    const p = live.get(router.id)!.eventLoop!;
    expect(p.p50Ms).toBeGreaterThanOrEqual(0);
    expect(p.maxMs).toBeGreaterThanOrEqual(p.p99Ms);
    expect(p.p99Ms).toBeGreaterThanOrEqual(p.p50Ms);
  });

  it('routes by Host to the right app, whatever the case, port or trailing dot', async () => {
    expect(seen(await get('a.localhost')).name).toBe('a1');
    expect(seen(await get('b.localhost')).name).toBe('b1');
    expect(seen(await get('B.LocalHost.:8080', '/x?y=1')).name).toBe('b1');
    const r = seen(await get('a.localhost', '/some/path?q=1&r=%20x'));
    expect(r.url).toBe('/some/path?q=1&r=%20x');
  });

  it('balances across two instances', async () => {
    await setRoutes({ 'a.localhost': route('alpha', [a1.port, a2.port]) });
    const names = [];
    for (let i = 0; i < 20; i++) names.push(seen(await get('a.localhost')).name);
    expect(names.filter((n) => n === 'a1').length).toBe(10);
    expect(names.filter((n) => n === 'a2').length).toBe(10);

    // Concurrent slow requests spread by outstanding count.
    const concurrent = await Promise.all(Array.from({ length: 10 }, () => get('a.localhost', '/slow?ms=150')));
    const counts = concurrent.map(seen).reduce((m, s) => m.set(s.name, (m.get(s.name) ?? 0) + 1), new Map<string, number>());
    // 5/5 when all ten are in flight together; allow one to finish early on a loaded machine.
    expect(counts.get('a1')).toBeGreaterThanOrEqual(4);
    expect(counts.get('a2')).toBeGreaterThanOrEqual(4);
  });

  it('applies a table change without restart and reports the new version', async () => {
    expect((await get('c.localhost')).status).toBe(404);
    const version = await setRoutes({ 'c.localhost': route('charlie', [b1.port]) });
    expect((await presence(router.id))?.version).toBeGreaterThanOrEqual(version);
    expect(seen(await get('c.localhost')).name).toBe('b1');

    await setRoutes({ 'c.localhost': null });
    expect((await get('c.localhost')).status).toBe(404);
  });

  it('gives no client-visible error for GETs when an instance in the list is dead', async () => {
    const dead = await closedPort();
    await setRoutes({ 'a.localhost': route('alpha', [dead, a1.port, a2.port]) });
    const statuses = [];
    for (let i = 0; i < 30; i++) statuses.push((await get('a.localhost')).status);
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect(logLines.some((l) => l.includes('code=connect_failed') && l.includes(`:${dead} `) && l.includes('ejected='))).toBe(true);
  });

  it('retries a POST with a body on another instance when the first refused the connection', async () => {
    const dead = await closedPort();
    // In a new pool the first pick is the first instance: the dead one.
    await setRoutes({ 'p.localhost': route('papa', [dead, a1.port]) });
    const body = randomBytes(256 * 1024);
    const requestId = `post-retry-${randomBytes(8).toString('hex')}`;
    const r = await get('p.localhost', '/upload', { method: 'POST', body, headers: { 'content-type': 'application/octet-stream', 'x-request-id': requestId } });
    expect(r.status).toBe(200);
    const s = seen(r);
    expect(s.method).toBe('POST');
    expect(s.bodyLength).toBe(body.length);
    expect(s.bodySha).toBe(createHash('sha256').update(body).digest('hex'));
    expect(logLines.some((l) => l.includes(requestId) && l.includes('code=connect_failed') && l.includes('retry=true'))).toBe(true);
  });

  it('serves only 200s to a client polling through a deploy', async () => {
    const old1 = await startBackend('old1');
    const old2 = await startBackend('old2');
    backends.push(old1, old2);
    await setRoutes({ 'd.localhost': route('delta', [old1.port, old2.port]) });

    const statuses = new Map<number, number>();
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const status = await get('d.localhost').then((r) => r.status, () => -1);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    })();
    const poller2 = (async () => {
      while (polling) {
        const status = await get('d.localhost', '/', { agent: false }).then((r) => r.status, () => -1);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    })();

    await sleep(200);
    // One old instance crashes before the deploy.
    await old2.close();
    await sleep(200);
    // Deploy: new instances become healthy, the table switches, then the old ones stop.
    const new1 = await startBackend('new1');
    const new2 = await startBackend('new2');
    backends.push(new1, new2);
    await setRoutes({ 'd.localhost': route('delta', [new1.port, new2.port]) });
    await sleep(100);
    await old1.close();
    await sleep(300);
    polling = false;
    await Promise.all([poller, poller2]);

    expect([...statuses.keys()]).toEqual([200]);
    expect(statuses.get(200)).toBeGreaterThan(50);
    expect(new1.hits + new2.hits).toBeGreaterThan(0);
  });

  it('answers an unknown host with a 404 page naming the request id', async () => {
    const r = await get('nope.localhost');
    expect(r.status).toBe(404);
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    const id = r.headers['x-request-id'] as string;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.body).toContain('No app at nope.localhost');
    expect(r.body).toContain(id);
  });

  it('answers 503 for an app with no instances, and when no instance can be reached', async () => {
    await setRoutes({ 'e.localhost': route('echo', []), 'f.localhost': route('foxtrot', [await closedPort(), await closedPort()]) });
    const empty = await get('e.localhost');
    expect(empty.status).toBe(503);
    expect(empty.body).toContain('echo has no running instances');
    expect(empty.body).toContain(empty.headers['x-request-id'] as string);

    const unreachable = await get('f.localhost');
    expect(unreachable.status).toBe(503);
    expect(unreachable.body).toContain('foxtrot: could not reach any instance');
    expect(unreachable.body).toContain(unreachable.headers['x-request-id'] as string);
  });

  it('answers 504 when the instance does not start answering in time', async () => {
    const slow = await get('b.localhost', '/slow?ms=3000');
    expect(slow.status).toBe(504);
    expect(slow.body).toContain('bravo did not answer in time');
    expect((await get('b.localhost', '/slow?ms=200')).status).toBe(200);
  });

  it('sends X-Forwarded-*, Via and X-Request-Id to the app', async () => {
    const valid = 'client-request-id-0123456789';
    const r = await get('b.localhost:8080', '/', { headers: { 'x-forwarded-for': '203.0.113.7', 'x-request-id': valid, 'x-forwarded-proto': 'https' } });
    const h = seen(r).headers;
    expect(h['x-forwarded-for']).toBe('203.0.113.7, 127.0.0.1');
    expect(h['x-forwarded-proto']).toBe('http');
    // The router's listener port, not the one written in Host.
    expect(h['x-forwarded-port']).toBe(String(router.port));
    expect(h['x-forwarded-host']).toBe('b.localhost:8080');
    expect(h.host).toBe('b.localhost:8080');
    expect(h.via).toBe('1.1 gantry');
    expect(h['x-request-id']).toBe(valid);
    expect(r.headers['x-request-id']).toBe(valid);
    expect(r.headers.via).toBe('1.1 gantry');

    const replaced = await get('b.localhost', '/', { headers: { 'x-request-id': 'bad id!' } });
    const id = seen(replaced).headers['x-request-id'];
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(replaced.headers['x-request-id']).toBe(id);
    expect(seen(replaced).headers['x-forwarded-port']).toBe(String(router.port));
  });

  it('answers GET /_health itself for every host, app hostnames included', async () => {
    for (const host of [`127.0.0.1:${router.port}`, 'localhost', 'b.localhost']) {
      const r = await get(host, '/_health');
      expect(r.status).toBe(200);
      expect(JSON.parse(r.body)).toMatchObject({ ok: true, version: router.version, routes: expect.any(Number), redis: 'up' });
    }
  });

  it('proxies websockets with the same routing', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${router.port}/chat`, { headers: { host: 'b.localhost' } });
    await once(ws, 'open');
    ws.send('hello');
    const [message] = (await once(ws, 'message')) as [Buffer];
    expect(String(message)).toBe('b1:hello');
    expect(b1.wsHeaders?.['x-forwarded-for']).toBe('127.0.0.1');
    expect(b1.wsHeaders?.via).toBe('1.1 gantry');
    ws.close();
    await once(ws, 'close');

    const unknown = new WebSocket(`ws://127.0.0.1:${router.port}/chat`, { headers: { host: 'nope.localhost' } });
    unknown.on('error', () => {}); // "closed before the connection was established", after the 404
    const [, res] = (await once(unknown, 'unexpected-response')) as [unknown, http.IncomingMessage];
    expect(res.statusCode).toBe(404);
    unknown.terminate();
  });

  it('keeps serving its last table while Redis is unreachable and catches up after', async () => {
    await relay.cut();
    await until('the router to notice Redis is down', async () => JSON.parse((await get('localhost', '/_health')).body).redis === 'down');

    expect(seen(await get('b.localhost')).name).toBe('b1');
    const version = await routing.set({ 'g.localhost': route('golf', [b1.port]) });
    await sleep(300);
    expect((await get('g.localhost')).status).toBe(404);
    expect(seen(await get('b.localhost')).name).toBe('b1');

    await relay.restore();
    await until('the router to report the version set during the outage', async () => ((await presence(router.id))?.version ?? 0) >= version, 15_000);
    expect(router.version).toBeGreaterThanOrEqual(version);
    expect(seen(await get('g.localhost')).name).toBe('b1');
    await until('health to say Redis is up', async () => JSON.parse((await get('localhost', '/_health')).body).redis === 'up');
  });

  it('lets an in-flight request finish on shutdown, then leaves the routers hash', async () => {
    const redis = connectRedis(`redis://127.0.0.1:${REDIS_PORT}/0`, `${instance}-router2`);
    const sub = connectRedis(`redis://127.0.0.1:${REDIS_PORT}/0`, `${instance}-router2-sub`);
    const second = await startRouter({ bind: '127.0.0.1', port: 0, appsDomain: 'localhost', keys, redis, subscriber: sub, timeouts: { drainMs: 5000, lingerMs: 400 } });
    try {
      expect(await presence(second.id)).not.toBeNull();
      const events: string[] = [];
      const slow = request(second.port, 'b.localhost', '/slow?ms=1000', { agent: false }).then((r) => {
        events.push('response');
        return r;
      });
      await sleep(200);
      const closed = second.close().then(() => events.push('closed'));
      await sleep(50);
      // Lingering: health says draining, requests are still served but their connection closes.
      const health = await request(second.port, 'localhost', '/_health', { agent: false });
      expect(health.status).toBe(503);
      expect(JSON.parse(health.body)).toMatchObject({ ok: false, draining: true });
      const late = await request(second.port, 'b.localhost', '/', { agent: clientAgent });
      expect(late.status).toBe(200);
      expect(late.headers.connection).toBe('close');
      // Then it stops accepting.
      await until('the listener to close', async () => (await request(second.port, 'b.localhost', '/', { agent: false }).catch((e: NodeJS.ErrnoException) => e.code)) === 'ECONNREFUSED');

      const r = await slow;
      expect(r.status).toBe(200);
      expect(seen(r).name).toBe('b1');
      await closed;
      expect(events).toEqual(['response', 'closed']);
      expect(await presence(second.id)).toBeNull();
    } finally {
      await second.close();
      redis.disconnect();
      sub.disconnect();
    }
  });
});
