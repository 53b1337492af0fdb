/**
 * The processes of the router benchmark, each a child process with its files in one temp dir:
 *  - the backend: nginx answering `200 ok\n` itself (1 worker), or the app (router-app.ts);
 *  - nginx as a reverse proxy in front of it (1 worker, upstream keepalive, the request headers
 *    the Gantry router adds);
 *  - the Gantry router (apps/router/src/main.ts) with a route in Redis to the backend.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { openSync, closeSync, readFileSync, readdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { REPO_ROOT } from '@gantry/config';
import { get, until } from './http';

export interface Child {
  name: string;
  proc: ChildProcess;
  port: number;
  /** Where the proxies reach it, when not at 127.0.0.1:port (a backend). */
  target?: { host: string; port: number };
  /** Pid of the process doing the work (nginx: the worker). */
  workerPid(): number;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const s = createServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** GET with a Host header; resolves with status and body (rejects on connection errors). */
export { get, until };


/** CPU seconds (user + system) a process has used so far. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return NaN;
  }
}

function childrenOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((t) =>
      readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number),
    );
  } catch {
    return [];
  }
}

async function stopProcess(proc: ChildProcess, signal: NodeJS.Signals, graceMs: number): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = once(proc, 'exit');
  proc.kill(signal);
  const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

function onEarlyExit(proc: ChildProcess, name: string, logFile: string): Promise<never> {
  return new Promise((_, reject) => {
    proc.once('exit', (code, signal) => {
      let tail = '';
      try {
        tail = readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n');
      } catch {}
      reject(new Error(`${name} exited (${signal ?? code}) while starting:\n${tail}`));
    });
  });
}

const tempPaths = (dir: string) =>
  ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${join(dir, 'tmp', t)};`).join('\n');

function nginxMain(dir: string, name: string, http: string): string {
  const asRoot = process.getuid?.() === 0;
  return `${asRoot ? 'user root root;\n' : ''}worker_processes 1;
daemon off;
master_process on;
pid ${join(dir, `${name}.pid`)};
error_log ${join(dir, `${name}-error.log`)} warn;
events { worker_connections 4096; multi_accept on; }
http {
  default_type text/plain;
  keepalive_timeout 65s;
  keepalive_requests 1000000;
${tempPaths(dir)}
${http}
}
`;
}

async function startNginx(dir: string, name: string, port: number, http: string): Promise<Child> {
  const conf = join(dir, `${name}.conf`);
  await mkdir(join(dir, 'tmp'), { recursive: true });
  await writeFile(conf, nginxMain(dir, name, http));
  const errorLog = join(dir, `${name}-error.log`);
  const proc = spawn('nginx', ['-p', dir, '-c', conf, '-e', errorLog], { stdio: ['ignore', 'ignore', 'inherit'] });
  const ready = until(`${name} on port ${port}`, async () => (await get(port, 'bench.localhost', '/')).status > 0);
  await Promise.race([ready, onEarlyExit(proc, name, errorLog)]);
  proc.removeAllListeners('exit');
  return {
    name,
    proc,
    port,
    workerPid: () => childrenOf(proc.pid!)[0] ?? proc.pid!,
    // SIGQUIT: graceful shutdown of nginx.
    stop: () => stopProcess(proc, 'SIGQUIT', 3000),
  };
}

/** nginx answering every request itself: 200 "ok\n". */
export async function startBackend(dir: string): Promise<Child> {
  const port = await freePort();
  return startNginx(
    dir,
    'backend',
    port,
    `  access_log off;
  server {
    listen 127.0.0.1:${port} reuseport backlog=4096;
    location / { return 200 "ok\\n"; }
  }`,
  );
}

/**
 * nginx as a reverse proxy to the backend: one worker, a keep-alive upstream pool, the same
 * request headers the Gantry router adds, an access log line per request (as the router writes).
 */
export async function startNginxProxy(dir: string, backend: { host: string; port: number }, name = 'proxy'): Promise<Child> {
  const port = await freePort();
  return startNginx(
    dir,
    name,
    port,
    `  access_log ${join(dir, `${name}-access.log`)};
  upstream app {
    server ${backend.host}:${backend.port};
    keepalive 64;
    keepalive_requests 1000000;
  }
  server {
    listen 127.0.0.1:${port} backlog=4096;
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Port $server_port;
      proxy_set_header X-Forwarded-Host $http_host;
      proxy_set_header X-Request-Id $request_id;
      proxy_set_header Via "1.1 nginx";
      add_header X-Request-Id $request_id always;
      add_header Via "1.1 nginx" always;
    }
  }`,
  );
}

export interface RouterOptions {
  instance: string;
  redisUrl: string;
  /** Node flags for the router process (e.g. --cpu-prof). */
  nodeFlags?: string[];
  /** GANTRY_LOG_LEVEL of the router (info: one access log line per request, as in production). */
  logLevel?: string;
  /** Host header of a route that answers 200 once the router is ready. */
  readyHost?: string;
  /** Another copy of the router's main.ts (--compare), and the name its figures get. */
  entry?: string;
  name?: string;
}

/** The Gantry router as it runs in production: its own process, access log on stdout (to a file). */
export async function startGantryRouter(dir: string, o: RouterOptions): Promise<Child> {
  const port = await freePort();
  const logFile = join(dir, `${o.name ?? 'router'}.log`);
  const fd = openSync(logFile, 'a');
  const env = {
    ...process.env,
    GANTRY_INSTANCE: o.instance,
    GANTRY_BIND: '127.0.0.1',
    GANTRY_ROUTER_PORT: String(port),
    // A free TLS port too: an installation's router on this machine holds the default one.
    GANTRY_ROUTER_TLS_PORT: String(await freePort()),
    GANTRY_LOG_LEVEL: o.logLevel ?? 'info',
    REDIS_URL: o.redisUrl,
  };
  const proc = spawn(process.execPath, [...(o.nodeFlags ?? []), '--import', 'tsx', o.entry ?? join(REPO_ROOT, 'apps/router/src/main.ts')], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  const ready = until('the Gantry router', async () => (await get(port, o.readyHost ?? 'bench.localhost', '/')).status === 200, 30_000);
  await Promise.race([ready, onEarlyExit(proc, 'router', logFile)]);
  proc.removeAllListeners('exit');
  return {
    name: o.name ?? 'gantry',
    proc,
    port,
    workerPid: () => proc.pid!,
    stop: () => stopProcess(proc, 'SIGTERM', 15_000),
  };
}
