/**
 * Faults: Redis and Postgres outages under a Gantry of its own (instance "outage", ports
 * 23000/27070/28080), whose REDIS_URL and DATABASE_URL go through TCP proxies this test cuts and
 * restores; the shared Redis and Postgres (other suites use them) keep running.
 *
 *   gantry "outage" ──> proxy :20379 ──> Redis :6379
 *                   └─> proxy :20432 ──> Postgres :5432
 *
 * Two kinds of outage: refused (the service is down: connections cut and refused) and a black
 * hole (nothing answers, nothing is refused: the deadlines must end every wait).
 *
 * Measured (logged): how long the API takes to answer during each outage.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GantryClient } from '@gantry/api-client';
import { loadConfig } from '@gantry/config';
import { createUser, issueToken } from '@gantry/control';
import { connectDb } from '@gantry/db';
import { startIsolatedGantry, withDatabase, type IsolatedGantry } from '@gantry/installer';
import { CLI_BIN, cliHome, run, userEnv } from './helpers/cli';
import { uniqueName } from './helpers/gantry';
import { repoFromFixture, writeAndCommit } from './helpers/git';
import { get, waitFor } from './helpers/http';
import { TcpProxy } from './helpers/tcp-proxy';

const INSTANCE = 'outage';
const PORT_BASE = 20_000;
const base = loadConfig(process.env);
const redisTarget = new URL(base.REDIS_URL);
const pgTarget = new URL(base.DATABASE_URL);
const redisProxy = new TcpProxy(PORT_BASE + 379, { host: redisTarget.hostname, port: Number(redisTarget.port || 6379) });
const pgProxy = new TcpProxy(PORT_BASE + 432, { host: pgTarget.hostname, port: Number(pgTarget.port || 5432) });

function through(url: string, port: number): string {
  const u = new URL(url);
  u.hostname = '127.0.0.1';
  u.port = String(port);
  return u.toString();
}

let gantry: IsolatedGantry;
let apiUrl: string;
let token: string;
let client: GantryClient;
let home: string;
const app = uniqueName('outage');
let repo: string;
const measured: string[] = [];

/** One API call with its answer time. */
async function timed(method: string, path: string, body?: unknown): Promise<{ status: number; json: any; ms: number }> {
  const t = Date.now();
  const res = await fetch(`${apiUrl}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(30_000),
  });
  const json = await res.json().catch(() => null);
  return { status: res.status, json, ms: Date.now() - t };
}

const cli = (args: string[]) => run(process.execPath, [CLI_BIN, ...args], { home, timeoutMs: 60_000 });

/** Services gantryd saw exit, from its log ("scheduler exited (code 1); restarting..."). */
async function exits(): Promise<string[]> {
  const log = await readFile(join(gantry.config.paths.logs, 'gantryd.log'), 'utf8');
  return log.split('\n').filter((l) => / exited \(/.test(l));
}
/** The process the scheduler runs in: gantryd's "control" (apps/supervisor/src/services.ts). */
async function schedulerPid(): Promise<number> {
  const log = await readFile(join(gantry.config.paths.logs, 'gantryd.log'), 'utf8');
  const pids = [...log.matchAll(/started control \(pid (\d+)\)/g)].map((m) => Number(m[1]));
  return pids.at(-1)!;
}

/** git push that hands back its output as it comes (git prints "remote:" lines on stderr). */
function pushLive(dir: string): { output: () => string; done: Promise<number> } {
  const remote = new URL(`http://127.0.0.1:${gantry.config.GANTRY_GIT_PORT}/${app}.git`);
  remote.username = 'git';
  remote.password = token;
  let out = '';
  const child = spawn('git', ['push', remote.toString(), 'main'], {
    cwd: dir,
    env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' },
  });
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  return { output: () => out, done: new Promise((r) => child.on('close', (code) => r(code ?? -1))) };
}

const appGet = () => get(gantry.config.GANTRY_ROUTER_PORT, `${app}.${gantry.config.GANTRY_APPS_DOMAIN}`, '/', {}, 5000).catch(() => ({ status: 0, body: '' }));

beforeAll(async () => {
  await redisProxy.recover();
  await pgProxy.recover();
  const databaseUrl = withDatabase(base.DATABASE_URL, `gantry_${INSTANCE}`);
  gantry = await startIsolatedGantry(INSTANCE, PORT_BASE, {
    REDIS_URL: through(base.REDIS_URL, redisProxy.port),
    DATABASE_URL: through(databaseUrl, pgProxy.port),
    GANTRY_BOOT_TIMEOUT: '30s',
    GANTRY_RECONCILE_INTERVAL: '2s',
    GANTRY_DRAIN_TIME: '1s',
    GANTRY_STOP_TIMEOUT: '5s',
  });
  apiUrl = `http://127.0.0.1:${gantry.config.GANTRY_API_PORT}`;
  // The user is made directly in the database (not through the proxy).
  const db = connectDb(databaseUrl, { max: 1 });
  try {
    const ctx = { db, queues: { add: async () => '' }, imageRepoPrefix: `gantry-${INSTANCE}` };
    const email = `${uniqueName('outage')}@example.test`;
    const password = 'outage-test-password-1';
    const user = await createUser(ctx, { email, password, isAdmin: true });
    token = (await issueToken(ctx, user.id, 'e2e')).token;
    home = cliHome();
    const login = await cli(['login', '--api', apiUrl, '--email', email, '--password', password]);
    expect(login.code, login.stderr).toBe(0);
  } finally {
    await db.$disconnect();
  }
  client = new GantryClient({ baseUrl: apiUrl, token });
  await client.createApp(app);
  repo = await repoFromFixture('static-site');
  const first = pushLive(repo);
  expect(await first.done, first.output()).toBe(0);
  await waitFor('the app to answer', async () => (await appGet()).status === 200, 60_000);
}, 400_000);

afterAll(async () => {
  await redisProxy.recover();
  await pgProxy.recover();
  await gantry?.stop();
  await redisProxy.close();
  await pgProxy.close();
  console.log(`outage figures:\n  ${measured.join('\n  ')}`);
}, 120_000);

describe('a Redis outage', () => {
  it('answers 503 within seconds, says which dependency is down, and a push waits for Redis, saying so', async () => {
    const exitsBefore = (await exits()).length;
    // A log tail running across the outage says so and keeps retrying.
    const tail = spawn(process.execPath, [CLI_BIN, 'logs', '--tail', '-n', '1', '-a', app], { env: userEnv(home) });
    let tailErr = '';
    tail.stderr.on('data', (c: Buffer) => (tailErr += c.toString()));
    await new Promise((r) => setTimeout(r, 2000));
    await redisProxy.outage();
    try {
      await waitFor('the tail to say Redis is down', async () => tailErr.includes('(log stream cut: Gantry cannot reach Redis; try again when it is back; reconnecting in'), 15_000).catch((e: Error) => {
        throw new Error(`${e.message}; the tail printed: ${tailErr}`);
      });

      // A change is refused at once, and says nothing was changed.
      const set = await timed('PATCH', `/apps/${app}/config`, { FOO: 'bar' });
      expect(set.status).toBe(503);
      expect(set.json.error).toEqual({ id: 'unavailable', message: 'Gantry cannot reach Redis; nothing was changed. Try again when it is back.' });
      measured.push(`redis outage: PATCH config 503 in ${set.ms} ms`);
      // A read that needs Redis (instances live there) fails within the command deadline.
      const ps = await timed('GET', `/apps/${app}/ps`);
      expect(ps.status).toBe(503);
      expect(ps.json.error.message).toMatch(/^Gantry cannot reach Redis/);
      expect(ps.ms).toBeLessThan(5000);
      measured.push(`redis outage: GET ps 503 in ${ps.ms} ms`);
      // A read that does not need Redis still works.
      const apps = await timed('GET', '/apps');
      expect(apps.status).toBe(200);
      measured.push(`redis outage: GET apps 200 in ${apps.ms} ms`);
      const health = await timed('GET', '/health');
      expect(health.status).toBe(503);
      expect(health.json.services.redis).toEqual({ ok: false, detail: 'Redis unreachable' });
      expect(health.json.services.postgres).toEqual({ ok: true });
      expect(health.ms).toBeLessThan(4000);
      measured.push(`redis outage: GET health 503 in ${health.ms} ms`);

      // The CLI shows the message, and fails.
      const cliSet = await cli(['config:set', 'FOO=bar', '-a', app]);
      expect(cliSet.code).not.toBe(0);
      expect(cliSet.stderr).toContain('Gantry cannot reach Redis; nothing was changed.');
      expect(cliSet.stderr).not.toMatch(/retries|ECONNREFUSED|ioredis/i);

      // A push made now waits for Redis and says so.
      await writeAndCommit(repo, 'index.html', '<html><body>v2</body></html>\n');
      const pushed = pushLive(repo);
      await waitFor('the push to say it is waiting', async () => pushed.output().includes('Gantry cannot reach Redis; waiting ('), 30_000);
      // ...and keeps saying so (every 5 s or so, with the time waited).
      const again = /remote: Gantry cannot reach Redis; waiting \(\d+ s\)…[\s\S]*remote: Gantry cannot reach Redis; waiting \([1-9]\d* s\)…/;
      await waitFor('the push to say it is still waiting', async () => again.test(pushed.output()), 15_000);
      await redisProxy.recover();
      expect(await pushed.done, pushed.output()).toBe(0);
      expect(pushed.output()).toContain('Released v2');
    } finally {
      await redisProxy.recover();
      tail.kill();
    }
    await waitFor('v2 to be served', async () => (await appGet()).body.includes('v2'), 60_000);
    expect((await timed('GET', '/health')).status).toBe(200);
    expect((await exits()).slice(exitsBefore)).toEqual([]);
  });
});

describe('a Postgres outage', () => {
  it('answers 503 within seconds, and the scheduler survives it and works on after', async () => {
    await waitFor('health', async () => (await timed('GET', '/health')).status === 200, 30_000);
    const pidBefore = await schedulerPid();
    const exitsBefore = (await exits()).length;
    await pgProxy.outage();
    try {
      const apps = await timed('GET', '/apps');
      expect(apps.status).toBe(503);
      expect(apps.json.error).toEqual({ id: 'unavailable', message: 'Gantry cannot reach Postgres; try again when it is back.' });
      expect(apps.ms).toBeLessThan(5000);
      measured.push(`postgres outage: GET apps 503 in ${apps.ms} ms`);
      const scale = await timed('PATCH', `/apps/${app}/formation`, { web: { quantity: 2 } });
      expect(scale.status).toBe(503);
      expect(scale.json.error.message).toMatch(/^Gantry (cannot reach|lost) Postgres/);
      measured.push(`postgres outage: PATCH formation 503 in ${scale.ms} ms`);
      const health = await timed('GET', '/health');
      expect(health.status).toBe(503);
      expect(health.json.services.postgres).toEqual({ ok: false, detail: 'Postgres unreachable' });
      expect(health.json.services.redis).toEqual({ ok: true });
      expect(health.ms).toBeLessThan(4000);
      measured.push(`postgres outage: GET health 503 in ${health.ms} ms`);
      const cliApps = await cli(['apps']);
      expect(cliApps.code).not.toBe(0);
      expect(cliApps.stderr).toContain('Gantry cannot reach Postgres');
      // As long as the outage the probe saw (three scheduler crashes in 15 s).
      await new Promise((r) => setTimeout(r, 15_000));
      // The app keeps being served throughout.
      expect((await appGet()).status).toBe(200);
    } finally {
      await pgProxy.recover();
    }
    await waitFor('health', async () => (await timed('GET', '/health')).status === 200, 30_000);
    expect((await exits()).slice(exitsBefore)).toEqual([]);
    expect(await schedulerPid()).toBe(pidBefore);
    expect(() => process.kill(pidBefore, 0)).not.toThrow();

    // The scheduler works on: a scale made now takes effect.
    const t = Date.now();
    await client.updateFormation(app, { web: { quantity: 2 } });
    await waitFor('two web instances up', async () => (await client.ps(app)).filter((i) => i.type === 'web' && i.state === 'up').length === 2, 60_000);
    measured.push(`after the postgres outage: ps:scale web=2 up in ${Date.now() - t} ms`);
  });
});


describe('a black hole (nothing answers, nothing is refused)', () => {
  it('still answers within the deadlines, and nothing crashes', async () => {
    await waitFor('health', async () => (await timed('GET', '/health')).status === 200, 30_000);
    const pidBefore = await schedulerPid();
    const exitsBefore = (await exits()).length;
    redisProxy.blackhole();
    try {
      const ps = await timed('GET', `/apps/${app}/ps`);
      expect(ps.status).toBe(503);
      expect(ps.json.error.message).toBe('Gantry cannot reach Redis; try again when it is back.');
      expect(ps.ms).toBeLessThan(4000);
      measured.push(`redis black hole: GET ps 503 in ${ps.ms} ms`);
      const health = await timed('GET', '/health');
      expect(health.status).toBe(503);
      expect(health.json.services.redis).toEqual({ ok: false, detail: 'no answer within 2 s' });
      expect(health.ms).toBeLessThan(3500);
      measured.push(`redis black hole: GET health 503 in ${health.ms} ms`);
    } finally {
      await redisProxy.recover();
    }
    await waitFor('health', async () => (await timed('GET', '/health')).status === 200, 30_000);

    pgProxy.blackhole();
    try {
      // A query on an open connection: no answer, given up after statementMs + 2 s (7 s).
      const first = await timed('GET', '/apps');
      expect(first.status).toBe(503);
      expect(first.json.error.message).toBe('Gantry cannot reach Postgres; try again when it is back.');
      expect(first.ms).toBeLessThan(9000);
      measured.push(`postgres black hole: GET apps 503 in ${first.ms} ms (first)`);
      // Then a new connection: the connect deadline (3 s).
      const again = await timed('GET', '/apps');
      expect(again.status).toBe(503);
      expect(again.ms).toBeLessThan(9000);
      measured.push(`postgres black hole: GET apps 503 in ${again.ms} ms (second)`);
      const health = await timed('GET', '/health');
      expect(health.status).toBe(503);
      expect(health.json.services.postgres).toEqual({ ok: false, detail: 'no answer within 2 s' });
      expect(health.ms).toBeLessThan(3500);
      measured.push(`postgres black hole: GET health 503 in ${health.ms} ms`);
    } finally {
      await pgProxy.recover();
    }
    await waitFor('health', async () => (await timed('GET', '/health')).status === 200, 30_000);
    expect((await exits()).slice(exitsBefore)).toEqual([]);
    expect(await schedulerPid()).toBe(pidBefore);
    // Still working: a scale back to one instance takes effect.
    await client.updateFormation(app, { web: { quantity: 1 } });
    await waitFor('one web instance', async () => (await client.ps(app)).filter((i) => i.type === 'web').length === 1, 60_000);
  });
});
