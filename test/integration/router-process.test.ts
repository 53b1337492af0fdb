/**
 * Router processes as they run in production (`apps/router/src/main.ts`, configured by
 * environment), two of them behind a TCP balancer, in front of real HTTP backends:
 * consistency between routers, streams (SSE) and their per-app timeouts, size limits, and a
 * rolling restart of both routers under load without a single failed request.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis, keysFor, RoutingTable, type Route } from '@gantry/live';
import {
  freePort,
  request,
  startBackend,
  startBalancer,
  startLoad,
  startRouterProcess,
  until,
  type Backend,
  type RouterProcess,
} from './helpers/router-processes';

const REDIS_URL = 'redis://127.0.0.1:6379/0';
const instance = `rp-${randomBytes(4).toString('hex')}`;
const keys = keysFor(instance);
const MAX_BODY = 64 * 1024;
/** The routers' saved tables go here, not into the checkout's .gantry. */
const stateDir = mkdtempSync(join(tmpdir(), 'router-process-'));
const routerEnv = {
  GANTRY_INSTANCE: instance,
  REDIS_URL,
  GANTRY_ROUTER_MAX_BODY: String(MAX_BODY),
  GANTRY_ROUTER_STATE_DIR: stateDir,
  GANTRY_LOG_LEVEL: 'warn',
};

// ---------------------------------------------------------------------------------------------
// Backends: the shared one (`{"name", "bytes"}` for a request), plus streams and a plain-text /slow

interface StreamingBackend extends Backend {
  /** Resolves the pending "/sse-step" stream's second event. */
  step: (() => void) | undefined;
}

async function startStreamingBackend(name: string): Promise<StreamingBackend> {
  const backend: StreamingBackend = Object.assign(
    await startBackend(name, (_req, res, url) => {
      const sse = () => res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      switch (url.pathname) {
        case '/sse-step':
          // One event, then the second only once the test saw the first through the router.
          sse();
          res.write('data: one\n\n');
          backend.step = () => res.end('data: two\n\n');
          return true;
        case '/sse-ticks': {
          sse();
          const every = Number(url.searchParams.get('every'));
          let left = Number(url.searchParams.get('n'));
          const timer = setInterval(() => {
            res.write(`data: tick ${left}\n\n`);
            if (--left === 0) {
              clearInterval(timer);
              res.end();
            }
          }, every);
          res.on('close', () => clearInterval(timer));
          return true;
        }
        case '/sse-silent':
          sse();
          res.write('data: hello\n\n');
          return true; // never another byte
        case '/slow':
          setTimeout(() => res.end(`${name} slow`), Number(url.searchParams.get('ms')));
          return true;
      }
      return false;
    }),
    { step: undefined },
  );
  return backend;
}

// ---------------------------------------------------------------------------------------------
// Clients

/** Opens a stream; `events` fills as data arrives, `ended` settles when the router ends or cuts it. */
function stream(port: number, host: string, path: string) {
  const events: string[] = [];
  let status = 0;
  let headers: http.IncomingHttpHeaders = {};
  const ended = new Promise<'end' | 'cut'>((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, headers: { host }, agent: false }, (res) => {
      status = res.statusCode ?? 0;
      headers = res.headers;
      res.setEncoding('utf8');
      let buffered = '';
      res.on('data', (c: string) => {
        buffered += c;
        let i: number;
        while ((i = buffered.indexOf('\n\n')) >= 0) {
          events.push(buffered.slice(0, i).replace(/^data: /, ''));
          buffered = buffered.slice(i + 2);
        }
      });
      res.on('end', () => resolve('end'));
      res.on('aborted', () => resolve('cut'));
      res.on('error', () => resolve('cut'));
    });
    req.on('error', reject);
  });
  return {
    events,
    ended,
    get status() {
      return status;
    },
    get headers() {
      return headers;
    },
  };
}

// ---------------------------------------------------------------------------------------------

const admin = connectRedis(REDIS_URL, `${instance}-test-admin`);
const routing = new RoutingTable(admin, keys);
let b1: StreamingBackend;
let b2: StreamingBackend;
let routers: RouterProcess[] = [];
const tlsPorts: number[] = [];

let nextId = 0;
function route(app: string, backends: Backend[], options?: Partial<NonNullable<Route['options']>>): Route {
  return {
    app,
    appId: `id-${app}`,
    backends: backends.map((b, i) => ({ id: `${app}-${++nextId}`, host: '127.0.0.1', port: b.port, process: `web.${i + 1}` })),
    ...(options ? { options: { firstByteMs: 30_000, idleMs: 55_000, httpsRedirect: false, ...options } } : {}),
  };
}

/** Changes the table and waits until every router serves the new version. */
async function setRoutes(changes: Record<string, Route | null>): Promise<number> {
  const version = await routing.set(changes);
  expect(await routing.waitForRouters(version, 10_000)).toEqual([]);
  return version;
}

beforeAll(async () => {
  b1 = await startStreamingBackend('b1');
  b2 = await startStreamingBackend('b2');
  await routing.set({
    'one.localhost': route('one', [b1]),
    'quick.localhost': route('quick', [b1], { firstByteMs: 800, idleMs: 800 }),
  });
  for (let i = 0; i < 2; i++) {
    tlsPorts.push(await freePort());
    routers.push(await startRouterProcess(await freePort(), tlsPorts[i]!, routerEnv));
  }
}, 60_000);

afterAll(async () => {
  await Promise.all(routers.map((r) => r.stop()));
  await b1?.close();
  await b2?.close();
  const leftovers = await admin.keys(`${keys.prefix}*`);
  if (leftovers.length) await admin.del(...leftovers);
  await admin.quit();
  rmSync(stateDir, { recursive: true, force: true });
});

describe('router processes', () => {
  it('serve the same table: a change reaches both, and both report its version', async () => {
    for (const r of routers) expect(JSON.parse((await request(r.port, 'one.localhost')).body).name).toBe('b1');
    const version = await setRoutes({ 'one.localhost': route('one', [b2]) });
    const presence = await admin.hgetall(keys.routers);
    const versions = Object.values(presence).map((json) => (JSON.parse(json) as { version: number }).version);
    expect(versions).toHaveLength(2);
    for (const v of versions) expect(v).toBeGreaterThanOrEqual(version);
    for (const r of routers) expect(JSON.parse((await request(r.port, 'one.localhost')).body).name).toBe('b2');
  });

  it('passes server-sent events through as they come, not buffered', async () => {
    const s = stream(routers[0]!.port, 'one.localhost', '/sse-step');
    await until('the first event through the router', () => s.events.length === 1);
    expect(s.status).toBe(200);
    expect(s.headers['content-type']).toBe('text/event-stream');
    expect(s.events).toEqual(['one']);
    b2.step!();
    expect(await s.ended).toBe('end');
    expect(s.events).toEqual(['one', 'two']);
  });

  it("cuts a stream idle for longer than the app's idle timeout, and leaves a busy one alone", async () => {
    const silent = stream(routers[0]!.port, 'quick.localhost', '/sse-silent');
    expect(await silent.ended).toBe('cut');
    expect(silent.events).toEqual(['hello']);
    // A byte every 200 ms under an 800 ms idle timeout, for longer than 800 ms in total.
    const busy = stream(routers[0]!.port, 'quick.localhost', '/sse-ticks?every=200&n=8');
    expect(await busy.ended).toBe('end');
    expect(busy.events).toHaveLength(8);
  });

  it("answers 504 after the app's own first-byte timeout, and waits longer for other apps", async () => {
    const cut = await request(routers[1]!.port, 'quick.localhost', '/slow?ms=3000');
    expect(cut.status).toBe(504);
    expect(cut.body).toContain(cut.headers['x-request-id'] as string);
    const patient = await request(routers[1]!.port, 'one.localhost', '/slow?ms=1500');
    expect(patient.status).toBe(200);
    expect(patient.body).toBe('b2 slow');
  });

  it('refuses bodies over the limit with 413 (declared or chunked) and heads over the limit with 431', async () => {
    const port = routers[0]!.port;
    const ok = await request(port, 'one.localhost', '/', { method: 'POST', body: randomBytes(MAX_BODY / 2) });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body).bytes).toBe(MAX_BODY / 2);

    const declared = await request(port, 'one.localhost', '/', { method: 'POST', body: randomBytes(MAX_BODY + 1) });
    expect(declared.status).toBe(413);
    expect(declared.body).toContain(declared.headers['x-request-id'] as string);

    const chunked = await request(port, 'one.localhost', '/', { method: 'POST', body: randomBytes(MAX_BODY * 2), headers: { 'transfer-encoding': 'chunked' } });
    expect(chunked.status).toBe(413);

    const bigHead = await request(port, 'one.localhost', '/', { headers: { 'x-big': 'x'.repeat(20 * 1024) } });
    expect(bigHead.status).toBe(431);
  });

  it('restarts one router after the other behind a balancer, under load, without a failed request', async () => {
    const balancer = await startBalancer(routers.map((r) => r.port));
    // Every fourth request is in flight for a while, so restarts happen mid-request.
    const load = startLoad(balancer.port, 'one.localhost', { slowMs: 300 });
    const { failures, statuses } = load;
    try {
      await sleep(500);
      for (const [i, r] of routers.entries()) {
        const before = load.done;
        expect(await r.stop()).toBe(0);
        await until('requests to go on through the other router', () => load.done > before + 20);
        routers[i] = await startRouterProcess(r.port, tlsPorts[i]!, routerEnv);
        await sleep(500);
      }
    } finally {
      await load.stop();
      await balancer.close();
    }
    expect(failures).toEqual([]);
    expect([...statuses.keys()]).toEqual([200]);
    expect(load.done).toBeGreaterThan(100);
  }, 120_000);
});
