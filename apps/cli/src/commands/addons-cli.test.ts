/**
 * The add-on commands as a user runs them: the real `gantry` binary against a stand-in API that
 * answers per the contract (docs in apps/web/openapi.yaml) and records what it was sent. Checks
 * exit codes, what reaches stdout/stderr, and the requests (paths, bodies, run options).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FRAME, RUN_OPTIONS_HEADER, decodeRunOptions, encodeFrame, type AddonView, type BackupView } from '@gantry/api-client';

const BIN = resolve(import.meta.dirname, '../../bin/gantry.js');

type Reply = { status: number; body?: unknown; raw?: Buffer; headers?: Record<string, string> };
let routes: Record<string, Reply> = {};
let seen: { key: string; body: unknown }[] = [];
let runs: unknown[] = [];
let server: Server;
let apiUrl: string;
let home: string;

const addon = (name: string, kind: AddonView['kind'], app: string, as: string): AddonView => ({
  name,
  kind,
  plan: 'small',
  team: 'acme',
  state: 'available',
  host: 'node-2',
  privateName: `${name}.internal`,
  port: kind === 'postgres' ? 5432 : 6379,
  volume: `addon-${name}`,
  attachments: [{ addon: name, app, name: as, configVar: `${as}_URL`, createdAt: '2026-12-05T00:00:00Z' }],
  lastBackup: null,
  backupSchedule: null,
  ha: null,
  createdAt: '2026-12-05T00:00:00Z',
});

const backup = (id: string, status: string, extra: Partial<BackupView> = {}): BackupView => ({
  id,
  addon: 'postgres-shiny-1234',
  kind: 'postgres',
  trigger: 'manual',
  status,
  error: null,
  bytes: 2048,
  sha256: 'a'.repeat(64),
  location: `store/postgres-shiny-1234/${id}.dump`,
  verify: null,
  verifyDetail: null,
  createdAt: '2026-12-05T02:00:00Z',
  finishedAt: '2026-12-05T02:00:03Z',
  ...extra,
});

const pg = addon('postgres-shiny-1234', 'postgres', 'shop', 'DATABASE');
const staging = addon('postgres-calm-4821', 'postgres', 'shop-staging', 'DATABASE');
const cache = addon('redis-tidy-7777', 'redis', 'shop', 'REDIS');

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : undefined;
}

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'gantry-cli-addons-'));
  server = createServer(async (req, res) => {
    const key = `${req.method} ${req.url!.replace(/^\/api\/v1/, '')}`;
    seen.push({ key, body: await readBody(req) });
    const reply = routes[key] ?? { status: 404, body: { error: { id: 'not_found', message: `No route ${key} in this test.` } } };
    if (reply.raw) return void res.writeHead(reply.status, { 'content-type': 'application/octet-stream', 'content-length': String(reply.raw.length), ...reply.headers }).end(reply.raw);
    res.writeHead(reply.status, { 'content-type': 'application/json' }).end(reply.body === undefined ? undefined : JSON.stringify(reply.body));
  });
  // gantry run (pg:psql, redis:cli): record the options, answer like the API with an exit code.
  server.on('upgrade', (req, socket) => {
    runs.push({ path: req.url, options: decodeRunOptions(String(req.headers[RUN_OPTIONS_HEADER])) });
    socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: gantry-run\r\nConnection: Upgrade\r\n\r\n');
    socket.write(encodeFrame(FRAME.status, 'up, run.4242'));
    socket.write(encodeFrame(FRAME.stdout, 'PONG\n'));
    socket.end(encodeFrame(FRAME.exit, '3'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => {
  server.close();
  rmSync(home, { recursive: true, force: true });
});

beforeEach(() => {
  routes = {};
  seen = [];
  runs = [];
});

function gantry(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, XDG_CONFIG_HOME: home, GANTRY_API_URL: apiUrl, GANTRY_TOKEN: 'gty_test' };
    delete env.GANTRY_DEBUG;
    const child = execFile(process.execPath, [BIN, ...args], { cwd: home, env, timeout: 30_000 }, (err, stdout, stderr) => {
      done({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
    child.stdin?.end();
  });
}

describe('gantry pg:backups:capture', () => {
  it('prints the new backup', async () => {
    routes = { 'GET /apps/shop/addons': { status: 200, body: [cache, pg] }, 'POST /addons/postgres-shiny-1234/backups': { status: 201, body: backup('b002', 'succeeded') } };
    const r = await gantry('pg:backups:capture', '-a', 'shop');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Backup: +b002/);
    expect(r.stdout).toContain('store/postgres-shiny-1234/b002.dump');
  });

  it('exits 1 with a red line naming the reason when the backup fails', async () => {
    routes = {
      'GET /apps/shop/addons': { status: 200, body: [pg] },
      'POST /addons/postgres-shiny-1234/backups': { status: 500, body: { error: { id: 'internal', message: 'pg_dump: error: could not write to the backup store: No space left on device' } } },
    };
    const r = await gantry('pg:backups:capture', '-a', 'shop');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('✖ The backup of postgres-shiny-1234 failed: pg_dump: error: could not write to the backup store: No space left on device');
  });
});

describe('gantry pg:backups', () => {
  it('lists backups and exits 1 when the newest one failed', async () => {
    routes = {
      'GET /apps/shop/addons': { status: 200, body: [pg] },
      'GET /addons/postgres-shiny-1234/backups': { status: 200, body: [backup('b003', 'failed', { error: 'disk full', bytes: null, trigger: 'scheduled' }), backup('b002', 'succeeded', { verify: 'passed' })] },
    };
    const r = await gantry('pg:backups', '-a', 'shop');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/b003 +2026-12-05 02:00 UTC +failed: disk full +- +- +scheduled/);
    expect(r.stdout).toMatch(/b002 .* succeeded +2 KB +passed +manual/);
    expect(r.stderr).toContain('✖ The newest backup, b003 (scheduled), failed: disk full.');
  });

  it('refuses a redis add-on named to a pg: command', async () => {
    routes = { 'GET /addons/redis-tidy-7777': { status: 200, body: cache } };
    const r = await gantry('pg:backups', 'redis-tidy-7777');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('redis-tidy-7777 is a redis add-on: use the redis:* commands for it.');
  });
});

describe('gantry pg:backups:restore', () => {
  it('restores the named backup into the add-on of the --to app', async () => {
    routes = {
      'GET /apps/shop/addons': { status: 200, body: [pg] },
      'GET /addons/postgres-shiny-1234/backups': { status: 200, body: [backup('b003', 'succeeded'), backup('b002', 'succeeded')] },
      'GET /apps/shop-staging/addons': { status: 200, body: [staging] },
      'POST /addons/postgres-shiny-1234/backups/b002/restore': { status: 200, body: backup('b002', 'succeeded') },
    };
    const r = await gantry('pg:backups:restore', 'b002', '-a', 'shop', '--to', 'shop-staging', '--confirm', 'postgres-calm-4821');
    expect(r.code, r.stderr).toBe(0);
    expect(seen.at(-1)).toEqual({ key: 'POST /addons/postgres-shiny-1234/backups/b002/restore', body: { to: 'postgres-calm-4821' } });
  });

  it('without --confirm, refuses off a terminal and restores nothing', async () => {
    routes = { 'GET /apps/shop/addons': { status: 200, body: [pg] }, 'GET /addons/postgres-shiny-1234/backups': { status: 200, body: [backup('b003', 'succeeded')] } };
    const r = await gantry('pg:backups:restore', '-a', 'shop');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('This would replace the data of postgres-shiny-1234 with backup b003 of postgres-shiny-1234');
    expect(r.stderr).toContain('re-run with --confirm postgres-shiny-1234');
    expect(seen.map((s) => s.key).filter((k) => k.startsWith('POST'))).toEqual([]);
  });
});

describe('gantry addons:create and addons:destroy', () => {
  it('sends the kind, plan, attachment name and constraints, and prints where the server is', async () => {
    const created = addon('postgres-bold-1000', 'postgres', 'shop', 'ANALYTICS');
    routes = { 'POST /apps/shop/addons': { status: 201, body: { addon: created, releases: [{ app: 'shop', version: 7 }] } } };
    const r = await gantry('addons:create', 'postgresql', '--as', 'analytics', '--plan', 'Medium', '--constraint', 'disk=ssd', '--constraint', 'gantry.host!=b', '-a', 'shop');
    expect(r.code, r.stderr).toBe(0);
    expect(seen).toEqual([{ key: 'POST /apps/shop/addons', body: { kind: 'postgres', plan: 'medium', as: 'ANALYTICS', constraints: ['disk=ssd', 'gantry.host!=b'] } }]);
    expect(r.stdout).toMatch(/Add-on: +postgres-bold-1000/);
    expect(r.stdout).toMatch(/Host: +node-2/);
    expect(r.stdout).toMatch(/Config var: +ANALYTICS_URL on shop/);
    expect(r.stdout).toMatch(/Release: +shop v7/);
  });

  it('refuses to destroy without --confirm, naming what would be lost', async () => {
    routes = { 'GET /addons/postgres-shiny-1234': { status: 200, body: pg } };
    const r = await gantry('addons:destroy', 'postgres-shiny-1234');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('This would destroy the add-on postgres-shiny-1234: its postgres server on node-2, its data volume addon-postgres-shiny-1234, and DATABASE_URL of shop');
    expect(seen.map((s) => s.key)).toEqual(['GET /addons/postgres-shiny-1234']);
  });

  it('destroys with --confirm and says where the final backup is', async () => {
    routes = { 'DELETE /addons/postgres-shiny-1234?confirm=postgres-shiny-1234': { status: 200, body: { addon: 'postgres-shiny-1234', finalBackup: backup('b009', 'succeeded', { trigger: 'final' }) } } };
    const r = await gantry('addons:destroy', 'postgres-shiny-1234', '--confirm', 'postgres-shiny-1234');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Final backup b009 (2 KB, sha256 ' + 'a'.repeat(64) + ') kept at store/postgres-shiny-1234/b009.dump.');
  });
});

describe('gantry pg:psql and redis:cli', () => {
  it('run psql / redis-cli in a one-off of the add-on\'s backing app and exit with its code', async () => {
    routes = { 'GET /apps/shop/addons': { status: 200, body: [pg, cache] } };
    const psql = await gantry('pg:psql', '-a', 'shop');
    expect(psql.code).toBe(3);
    expect(psql.stdout).toBe('PONG\n');
    const cli = await gantry('redis:cli', '-a', 'shop');
    expect(cli.code).toBe(3);
    expect(runs).toEqual([
      { path: '/api/v1/apps/postgres-shiny-1234/dynos', options: { argv: ['psql'], env: {}, tty: false } },
      { path: '/api/v1/apps/redis-tidy-7777/dynos', options: { argv: ['redis-cli', '-h', 'redis-tidy-7777.internal', '-p', '6379'], env: {}, tty: false } },
    ]);
  });
});

describe('gantry pg:backups:download', () => {
  const dump = Buffer.from('PGDMP\x01\x0e\x00 a custom-format dump');
  const sha = createHash('sha256').update(dump).digest('hex');
  const listed = { 'GET /apps/shop/addons': { status: 200, body: [pg] }, 'GET /addons/postgres-shiny-1234/backups': { status: 200, body: [backup('b003', 'succeeded'), backup('b002', 'succeeded')] } };

  it('writes the newest succeeded backup to <addon>-<id>.dump once its sha256 matches', async () => {
    routes = { ...listed, 'GET /addons/postgres-shiny-1234/backups/b003/download': { status: 200, raw: dump, headers: { 'x-gantry-sha256': sha } } };
    const r = await gantry('pg:backups:download', '-a', 'shop');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('postgres-shiny-1234-b003.dump\n');
    expect(readFileSync(join(home, 'postgres-shiny-1234-b003.dump')).equals(dump)).toBe(true);
    rmSync(join(home, 'postgres-shiny-1234-b003.dump'));
  });

  it('exits 1 in red and leaves no file when the sha256 differs', async () => {
    routes = { ...listed, 'GET /addons/postgres-shiny-1234': { status: 200, body: pg }, 'GET /addons/postgres-shiny-1234/backups/b002/download': { status: 200, raw: dump, headers: { 'x-gantry-sha256': 'f'.repeat(64) } } };
    const r = await gantry('pg:backups:download', 'b002', 'postgres-shiny-1234', '-o', 'mine.dump');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`✖ The file's sha256 ${sha} differs from the backup's ${'f'.repeat(64)}`);
    expect(existsSync(join(home, 'mine.dump'))).toBe(false);
    expect(readdirSync(home).filter((f) => f.includes('.dump'))).toEqual([]);
  });
});

describe('gantry apps:destroy', () => {
  const uploads = { name: 'uploads', team: 'acme', host: 'node-1', app: 'shop', processType: 'worker', mountPath: '/app/data', addon: null, createdAt: '2026-12-05T00:00:00Z' };

  it('names the app\'s add-ons and volumes in its refusal', async () => {
    routes = { 'GET /apps/shop/addons': { status: 200, body: [pg] }, 'GET /apps/shop/volumes': { status: 200, body: [uploads] } };
    const r = await gantry('apps:destroy', '-a', 'shop');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('shop has add-ons attached: postgres-shiny-1234 (DATABASE_URL); volumes: uploads (on node-1) (see addons:destroy and volumes:destroy).');
    expect(r.stderr).toContain('To proceed, re-run with --confirm shop');
    expect(seen.map((s) => s.key).sort()).toEqual(['GET /apps/shop/addons', 'GET /apps/shop/volumes']);
  });

  it('refuses as before when the API has no add-on routes, and never asks for a mismatched --confirm', async () => {
    const r = await gantry('apps:destroy', '-a', 'shop');
    expect(r.code).toBe(1);
    expect(r.stderr).not.toContain('has add-ons');
    expect(r.stderr).toContain('To proceed, re-run with --confirm shop');
    seen = [];
    const mismatch = await gantry('apps:destroy', '-a', 'shop', '--confirm', 'other');
    expect(mismatch.stderr).toContain('does not match the app shop');
    expect(seen).toEqual([]);
  });
});
