/**
 * Real processes for router tests: a Redis server of the test's own (so it can be killed
 * without touching the shared one), router processes (`apps/router/src/main.ts`), a TCP balancer
 * that checks their health like HAProxy, HTTP backends, plain HTTP clients and a client load.
 * Everything runs from argv arrays.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { REPO_ROOT } from '@gantry/config';

export async function freePort(): Promise<number> {
  const s = net.createServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

export async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 10_000, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await sleep(everyMs);
  }
}

// ---------------------------------------------------------------------------------------------
// Redis of the test's own

export interface RedisServer {
  port: number;
  url: string;
  proc: ChildProcess;
  /** SIGKILL: a crash, not a shutdown (no save on the way out). */
  kill(): Promise<void>;
}

/** `redis-server` on `port`, no automatic saves, no AOF; an explicit SAVE writes `dir`/dump.rdb, loaded at the next start. */
export async function startRedis(port: number, dir: string): Promise<RedisServer> {
  const argv = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--dbfilename', 'dump.rdb'];
  const proc = spawn('redis-server', argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  proc.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  proc.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  await until(`redis-server on :${port}`, async () => {
    if (proc.exitCode !== null) throw new Error(`redis-server exited ${proc.exitCode}: ${output}`);
    return output.includes('Ready to accept connections');
  });
  return {
    port,
    url: `redis://127.0.0.1:${port}/0`,
    proc,
    async kill() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = once(proc, 'exit');
      proc.kill('SIGKILL');
      await exited;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Router processes

export interface RouterProcess {
  port: number;
  tlsPort: number;
  output: string;
  proc: ChildProcess;
  /** performance.now() at spawn. */
  spawnedAt: number;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/** Spawns a router as production runs it; resolves once spawned (wait for it with `until`). */
export function spawnRouter(port: number, tlsPort: number, env: Record<string, string>): RouterProcess {
  const spawnedAt = performance.now();
  const proc = spawn(process.execPath, ['--import', 'tsx', 'apps/router/src/main.ts'], {
    cwd: REPO_ROOT,
    env: { ...process.env, GANTRY_BIND: '127.0.0.1', GANTRY_ROUTER_PORT: String(port), GANTRY_ROUTER_TLS_PORT: String(tlsPort), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const router: RouterProcess = {
    port,
    tlsPort,
    output: '',
    proc,
    spawnedAt,
    async stop() {
      if (proc.exitCode !== null) return proc.exitCode;
      const exited = once(proc, 'exit');
      proc.kill('SIGTERM');
      const [code] = (await exited) as [number | null];
      return code;
    },
  };
  const collect = (c: Buffer) => (router.output += c.toString());
  proc.stdout!.on('data', collect);
  proc.stderr!.on('data', collect);
  return router;
}

/**
 * Spawns a router and waits (up to 30 s, every `everyMs`) until `ready`: by default, until its
 * /_health answers 200. Fails with the router's output if it exits first.
 */
export async function startRouterProcess(
  port: number,
  tlsPort: number,
  env: Record<string, string>,
  opts: { what?: string; ready?: () => Promise<boolean>; everyMs?: number } = {},
): Promise<RouterProcess> {
  const router = spawnRouter(port, tlsPort, env);
  const ready = opts.ready ?? (async () => (await request(port, 'localhost', '/_health').catch(() => null))?.status === 200);
  await until(
    opts.what ?? `router on :${port} to answer`,
    async () => {
      if (router.proc.exitCode !== null) throw new Error(`router exited ${router.proc.exitCode}: ${router.output}`);
      return ready();
    },
    30_000,
    opts.everyMs,
  );
  return router;
}

/** The router's health document, or null when it does not answer. */
export async function health(port: number): Promise<{ ok: boolean; version: number; routes: number; redis: 'up' | 'down' } | null> {
  const r = await request(port, 'localhost', '/_health').catch(() => null);
  return r === null ? null : (JSON.parse(r.body) as { ok: boolean; version: number; routes: number; redis: 'up' | 'down' });
}

// ---------------------------------------------------------------------------------------------
// The balancer in front of routers

/**
 * A TCP balancer like HAProxy's (mode tcp, `option httpchk GET /_health`, `check inter 100ms`,
 * `option redispatch`): each connection to the next router that passes its health check,
 * round-robin, and on to another one when a router refuses the connection.
 */
export async function startBalancer(ports: number[]) {
  let next = 0;
  const healthy = new Set(ports);
  const check = setInterval(() => {
    for (const port of ports) {
      void request(port, 'localhost', '/_health').then(
        (r) => (r.status === 200 ? healthy.add(port) : healthy.delete(port)),
        () => healthy.delete(port),
      );
    }
  }, 100);
  const pick = () => {
    for (let i = 0; i < ports.length; i++) {
      const port = ports[next++ % ports.length]!;
      if (healthy.has(port)) return port;
    }
    return ports[next++ % ports.length]!;
  };
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    client.pause();
    sockets.add(client);
    const attempt = (tries: number) => {
      const port = pick();
      const upstream = net.connect(port, '127.0.0.1');
      const refused = () => {
        if (tries + 1 < ports.length * 3) attempt(tries + 1);
        else client.destroy();
      };
      upstream.once('error', refused);
      upstream.once('connect', () => {
        sockets.add(upstream);
        upstream.off('error', refused);
        // An end on one side ends the other once what it still has to write is written; an error
        // (reset) on one side resets the other.
        const reset = () => {
          client.destroy();
          upstream.destroy();
        };
        client.on('error', reset).on('close', () => sockets.delete(client));
        upstream.on('error', reset).on('close', () => sockets.delete(upstream));
        client.pipe(upstream).pipe(client);
        client.resume();
      });
    };
    attempt(0);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    async close() {
      clearInterval(check);
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Backends and clients

export interface Backend {
  name: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Answers `{"name": ..., "bytes": <length of the request body>}`; `/slow?ms=N` answers
 * `{"name": ...}` after N ms. `handle`, when given, sees each request first and answers it
 * itself by returning true.
 */
export async function startBackend(name: string, handle?: (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => boolean): Promise<Backend> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://backend');
    if (handle?.(req, res, url)) return;
    const answer = (body: object) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(body));
    };
    if (url.pathname === '/slow') {
      setTimeout(() => answer({ name }), Number(url.searchParams.get('ms')));
      return;
    }
    let bytes = 0;
    req.on('data', (c: Buffer) => (bytes += c.length));
    req.on('end', () => answer({ name, bytes }));
  });
  server.keepAliveTimeout = 30_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    name,
    port: (server.address() as AddressInfo).port,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export function request(
  port: number,
  host: string,
  path = '/',
  opts: { method?: string; headers?: Record<string, string>; body?: Buffer | string; agent?: http.Agent | false } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: { host, ...opts.headers }, agent: opts.agent ?? false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    req.on('error', (err) => reject(Object.assign(err, { reused: req.reusedSocket })));
    req.end(opts.body);
  });
}

// ---------------------------------------------------------------------------------------------
// Client load

export interface Load {
  /** Requests answered so far (any status). */
  readonly done: number;
  /** Requests that got no answer: when (ms after the start), path, error. */
  failures: string[];
  /** Answers by status. */
  statuses: Map<number, number>;
  /** Ends the loops (each finishes its request in flight) and closes their connections. */
  stop(): Promise<void>;
}

/**
 * `clients` loops sending requests for `host` to `port` on keep-alive connections until stopped;
 * every fourth request of each is `/slow?ms=slowMs`, in flight for a while. `onReply` sees each answer.
 */
export function startLoad(port: number, host: string, opts: { slowMs: number; clients?: number; onReply?: (r: Reply) => void }): Load {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const load = { done: 0, failures: [] as string[], statuses: new Map<number, number>(), stop };
  let running = true;
  const t0 = performance.now();
  const client = async (n: number) => {
    for (let i = 0; running; i++) {
      const path = i % 4 === n % 4 ? `/slow?ms=${opts.slowMs}` : `/?c=${n}&i=${i}`;
      try {
        const r = await request(port, host, path, { agent });
        load.statuses.set(r.status, (load.statuses.get(r.status) ?? 0) + 1);
        opts.onReply?.(r);
        load.done++;
      } catch (err) {
        const at = Math.round(performance.now() - t0);
        load.failures.push(`${at} ms ${path}: ${(err as Error).message}${(err as { reused?: boolean }).reused ? ' (on a reused connection)' : ''}`);
      }
    }
  };
  const clients = Array.from({ length: opts.clients ?? 8 }, (_, n) => client(n));
  async function stop() {
    running = false;
    await Promise.all(clients);
    agent.destroy();
  }
  return load;
}
