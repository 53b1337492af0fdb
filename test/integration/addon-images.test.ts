/**
 * The add-on server images on the real Docker engine: ensureAddonImages builds gantry/postgres and
 * gantry/redis from the stack (a second call finds them by digest), and their entrypoints keep
 * the contract the add-on's backing app relies on: a Postgres container with a fresh volume at
 * /data makes its role and database, keeps committed rows across a stop (fast shutdown) and a
 * `docker kill`, refuses wrong passwords and the superuser over TCP, and takes a new
 * POSTGRES_PASSWORD at its next start (the old one refused); a Redis container keeps a key across
 * a restart (append-only file) and refuses a wrong password. Clients connect from this machine
 * to the containers' addresses on a user bridge network made for the test.
 */
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@gantry/config';
import { connectDocker, type Docker } from '@gantry/docker';
import { addonImageRef, ensureAddonImages, type AddonKind } from '@gantry/installer';

const config = loadConfig(process.env);
const docker = connectDocker(config.DOCKER_HOST);
const run = randomBytes(3).toString('hex');
const LABELS = { 'gantry.test': 'addon-images', 'gantry.test.run': run };
const network = `gantry-addontest-${run}`;
const containers = new Set<string>();
const volumes = new Set<string>();
let refs: Record<AddonKind, string>;

async function volume(name: string): Promise<string> {
  const full = `gantry-addontest-${run}-${name}`;
  await docker.createVolume({ Name: full, Labels: LABELS });
  volumes.add(full);
  return full;
}

async function startServer(kind: AddonKind, name: string, env: Record<string, string>, vol?: string): Promise<Docker.Container> {
  const container = await docker.createContainer({
    name: `gantry-addontest-${run}-${name}`,
    Image: refs[kind],
    Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
    Labels: LABELS,
    HostConfig: { Init: true, NetworkMode: network, ...(vol ? { Binds: [`${vol}:/data`] } : {}) },
  });
  containers.add(container.id);
  await container.start();
  return container;
}

async function ipOf(container: Docker.Container): Promise<string> {
  const ip = (await container.inspect()).NetworkSettings.Networks[network]?.IPAddress;
  if (!ip) throw new Error(`container has no address on ${network}`);
  return ip;
}

async function logsOf(container: Docker.Container): Promise<string> {
  const buf = (await container.logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer;
  return buf.toString('utf8');
}

/** The uids the container's processes run as, its init (docker-init, tini) left out. */
async function processUids(container: Docker.Container): Promise<Set<string>> {
  const top = (await container.top({ ps_args: '-o pid,uid,args' })) as { Titles: string[]; Processes: string[][] };
  const uid = top.Titles.indexOf('UID');
  const args = top.Titles.indexOf('COMMAND');
  return new Set(top.Processes.filter((p) => !p[args]!.includes('docker-init')).map((p) => p[uid]!));
}

/** Waits until the container exits; returns its exit code. */
async function exitCodeOf(container: Docker.Container, timeoutMs = 20_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = (await container.inspect()).State;
    if (!s.Running && s.FinishedAt && !s.FinishedAt.startsWith('0001')) return s.ExitCode;
    if (Date.now() > deadline) throw new Error('container still running');
    await sleep(100);
  }
}

async function pgConnect(container: Docker.Container, user: string, password: string, database: string): Promise<pg.Client> {
  const client = new pg.Client({ host: await ipOf(container), port: 5432, user, password, database, connectionTimeoutMillis: 3000 });
  await client.connect();
  return client;
}

/** Connects as soon as the server accepts (starting, or recovering after a kill). */
async function pgReady(container: Docker.Container, user: string, password: string, database: string, timeoutMs = 60_000): Promise<pg.Client> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await pgConnect(container, user, password, database);
    } catch (err) {
      const code = (err as { code?: string }).code;
      // A refused password is an answer, not "not ready yet".
      if (code === '28P01' || Date.now() > deadline) throw err;
      const s = (await container.inspect()).State;
      if (!s.Running) throw new Error(`the server exited (${s.ExitCode}):\n${await logsOf(container)}`);
      await sleep(200);
    }
  }
}

async function pgQuery<T>(container: Docker.Container, password: string, sql: string): Promise<T[]> {
  const client = await pgReady(container, 'shop', password, 'shop_db');
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

/** The SQLSTATE a connection attempt fails with (or 'connected'). */
async function pgLoginError(container: Docker.Container, user: string, password: string, database = 'shop_db'): Promise<string> {
  try {
    const client = await pgConnect(container, user, password, database);
    await client.end();
    return 'connected';
  } catch (err) {
    return (err as { code?: string }).code ?? (err as Error).message;
  }
}

beforeAll(async () => {
  refs = await ensureAddonImages(docker, config, () => {});
  await docker.createNetwork({ Name: network, Driver: 'bridge', Labels: LABELS });
});

afterAll(async () => {
  for (const id of containers) await docker.getContainer(id).remove({ force: true }).catch(() => {});
  for (const v of volumes) await docker.getVolume(v).remove().catch(() => {});
  await docker.getNetwork(network).remove().catch(() => {});
});

describe('ensureAddonImages', () => {
  it('builds both images under the refs the control plane computes, labelled, and finds them again by digest', async () => {
    expect(refs).toEqual({ postgres: addonImageRef(config, 'postgres'), redis: addonImageRef(config, 'redis') });
    for (const kind of ['postgres', 'redis'] as const) {
      const labels = (await docker.getImage(refs[kind]).inspect()).Config.Labels ?? {};
      expect(labels['gantry.role']).toBe('addon');
      expect(labels['gantry.addon.digest']).toBe(refs[kind].split(':')[1]);
    }
    const t0 = Date.now();
    expect(await ensureAddonImages(docker, config, (m) => expect.fail(`built again: ${m}`))).toEqual(refs);
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('without the stack image it says so, and builds and tags nothing', async () => {
    const broken = { ...config, GANTRY_STACK_IMAGE: `gantry/no-such-stack:${run}` };
    const said: string[] = [];
    await expect(ensureAddonImages(docker, broken, (m) => said.push(m))).rejects.toThrow(
      `Cannot build the postgres and redis add-on images: the stack image gantry/no-such-stack:${run} is not on this Docker engine (ensureStack / npm run up makes it)`,
    );
    expect(said).toEqual([]);
    for (const kind of ['postgres', 'redis'] as const) {
      expect(await docker.getImage(addonImageRef(broken, kind)).inspect().then(() => 'tagged', () => 'absent')).toBe('absent');
    }
  });

  it('the Postgres image carries the client tools backups need', async () => {
    const c = await docker.createContainer({ Image: refs.postgres, Entrypoint: ['sh', '-c', 'for t in pg_dump pg_restore psql pg_basebackup; do $t --version; done'], Labels: LABELS });
    containers.add(c.id);
    await c.start();
    expect(await exitCodeOf(c)).toBe(0);
    const out = await logsOf(c);
    for (const tool of ['pg_dump', 'pg_restore', 'psql', 'pg_basebackup']) expect(out).toMatch(new RegExp(`${tool} \\(PostgreSQL\\) 15\\.`));
  });
});

describe('the Postgres add-on image', () => {
  let vol: string;
  let server: Docker.Container;
  let rowsAfterKill = 0;
  const password = `pw-${randomBytes(12).toString('hex')}'"\\ $x`; // quotes, a backslash, a $: all literal

  beforeAll(async () => {
    vol = await volume('pg');
    server = await startServer('postgres', 'pg', { POSTGRES_USER: 'shop', POSTGRES_PASSWORD: password, POSTGRES_DB: 'shop_db' }, vol);
  });

  it('refuses to start without its settings, and says which', async () => {
    const missing = await startServer('postgres', 'pg-missing', { POSTGRES_USER: 'shop', POSTGRES_PASSWORD: 'x' });
    expect(await exitCodeOf(missing)).toBe(64);
    expect(await logsOf(missing)).toContain('POSTGRES_DB is required');
    const badPlan = await startServer('postgres', 'pg-plan', { POSTGRES_USER: 'shop', POSTGRES_PASSWORD: 'x', POSTGRES_DB: 'd', GANTRY_ADDON_PLAN: 'huge' });
    expect(await exitCodeOf(badPlan)).toBe(64);
    expect(await logsOf(badPlan)).toContain("GANTRY_ADDON_PLAN must be small, medium or large (got 'huge')");
    const superuser = await startServer('postgres', 'pg-su', { POSTGRES_USER: 'postgres', POSTGRES_PASSWORD: 'x', POSTGRES_DB: 'd' });
    expect(await exitCodeOf(superuser)).toBe(64);
    expect(await logsOf(superuser)).toContain('POSTGRES_USER cannot be postgres');
  });

  it('makes the role and its database on a fresh volume, sized by the default plan, and takes rows', async () => {
    const client = await pgReady(server, 'shop', password, 'shop_db');
    try {
      const who = await client.query<{ u: string; owner: string; su: boolean; enc: string }>(
        `SELECT current_user AS u, pg_get_userbyid(d.datdba) AS owner, r.rolsuper AS su, pg_encoding_to_char(d.encoding) AS enc
           FROM pg_database d, pg_roles r WHERE d.datname = current_database() AND r.rolname = current_user`,
      );
      expect(who.rows[0]).toEqual({ u: 'shop', owner: 'shop', su: false, enc: 'UTF8' });
      expect(await logsOf(server)).not.toContain('not a mounted volume');
      expect(await processUids(server)).toEqual(new Set(['999'])); // postgres, not root (tini aside)
      const settings = await client.query<{ name: string; setting: string }>(
        `SELECT name, setting FROM pg_settings WHERE name IN ('max_connections', 'shared_buffers', 'wal_level', 'max_wal_senders', 'listen_addresses') ORDER BY name`,
      );
      expect(Object.fromEntries(settings.rows.map((r) => [r.name, r.setting]))).toEqual({
        listen_addresses: '*',
        max_connections: '50',
        max_wal_senders: '10',
        shared_buffers: '4096', // 8 kB pages: 32 MB
        wal_level: 'replica',
      });
      await client.query('CREATE TABLE orders (id serial PRIMARY KEY, note text NOT NULL)');
      await client.query(`INSERT INTO orders (note) SELECT 'order ' || g FROM generate_series(1, 500) g`);
    } finally {
      await client.end();
    }
  });

  it('keeps committed rows across a stop (fast shutdown on the image stop signal, no 10 s wait)', async () => {
    const t0 = Date.now();
    await server.stop({ t: 30 });
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(await logsOf(server)).toContain('received fast shutdown request');
    await server.start();
    expect(await pgQuery<{ n: string }>(server, password, 'SELECT count(*) AS n FROM orders')).toEqual([{ n: '500' }]);
  });

  it('keeps every acknowledged write across docker kill mid-stream (crash recovery, shown in the log)', async () => {
    // A writer inserts one row per statement and counts the acknowledged ones while the
    // container is killed under it.
    const writer = await pgReady(server, 'shop', password, 'shop_db');
    writer.on('error', () => {});
    let acked = 0;
    let writing = true;
    const loop = (async () => {
      for (let i = 0; writing; i++) {
        try {
          await writer.query('INSERT INTO orders (note) VALUES ($1)', [`write ${i}`]);
          acked++;
        } catch {
          return;
        }
      }
    })();
    await sleep(400);
    await server.kill();
    await loop;
    writing = false;
    await writer.end().catch(() => {});
    expect(acked).toBeGreaterThan(20);
    await server.start();
    const rows = await pgQuery<{ n: string }>(server, password, `SELECT count(*) AS n FROM orders WHERE note LIKE 'write %'`);
    const found = Number(rows[0]!.n);
    console.log(`docker kill mid-stream: ${acked} inserts acknowledged, ${found} found after recovery`);
    // Every acknowledged insert is there; at most the one in flight at the kill committed unacknowledged.
    expect(found).toBeGreaterThanOrEqual(acked);
    expect(found).toBeLessThanOrEqual(acked + 1);
    rowsAfterKill = 500 + found;
    expect(await logsOf(server)).toMatch(/database system was interrupted|not properly shut down/);
  });

  it('refuses a wrong password, and the superuser over the network', async () => {
    expect(await pgLoginError(server, 'shop', 'not-the-password')).toBe('28P01');
    expect(await pgLoginError(server, 'postgres', 'anything', 'postgres')).toBe('28P01');
    expect(await pgLoginError(server, 'shop', password)).toBe('connected');
  });

  it('takes a new POSTGRES_PASSWORD at the next start (rotation) and refuses the old one; a plan resizes it', async () => {
    await server.remove({ force: true });
    containers.delete(server.id);
    const rotated = `new-${randomBytes(16).toString('hex')}`;
    server = await startServer('postgres', 'pg-rotated', { POSTGRES_USER: 'shop', POSTGRES_PASSWORD: rotated, POSTGRES_DB: 'shop_db', GANTRY_ADDON_PLAN: 'medium' }, vol);
    expect(await pgQuery<{ n: string }>(server, rotated, 'SELECT count(*) AS n FROM orders')).toEqual([{ n: String(rowsAfterKill) }]);
    expect(await pgQuery<{ max_connections: string }>(server, rotated, 'SHOW max_connections')).toEqual([{ max_connections: '100' }]);
    expect(await pgLoginError(server, 'shop', password)).toBe('28P01');
    // The password never reaches the log.
    expect(await logsOf(server)).not.toContain(rotated);
    expect(await logsOf(server)).not.toContain('warning');
  });

  it('says so when POSTGRES_USER does not own the database (another role is made, the data is kept)', async () => {
    await server.remove({ force: true });
    containers.delete(server.id);
    server = await startServer('postgres', 'pg-other-user', { POSTGRES_USER: 'other', POSTGRES_PASSWORD: 'other-pw', POSTGRES_DB: 'shop_db' }, vol);
    const client = await pgReady(server, 'other', 'other-pw', 'shop_db');
    await client.end();
    expect(await logsOf(server)).toContain('gantry-postgres: warning: database shop_db is owned by role shop, not by POSTGRES_USER other (kept as it is)');
  });
});

/** Sends commands over one connection to a Redis server; returns one reply line per command ("$4 kept" for a bulk string). */
async function resp(host: string, commands: string[][]): Promise<string[]> {
  const socket = connect(6379, host);
  socket.setEncoding('utf8');
  let buffered = '';
  socket.on('data', (d: string) => (buffered += d));
  const replies: string[] = [];
  try {
    for (const argv of commands) {
      socket.write(`*${argv.length}\r\n${argv.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`);
      const deadline = Date.now() + 5000;
      for (;;) {
        const m = /^([+\-:][^\r]*)\r\n|^\$(-?\d+)\r\n(?:([^\r]*)\r\n)?/.exec(buffered);
        if (m && (m[1] !== undefined || m[2] === '-1' || m[3] !== undefined)) {
          replies.push(m[1] ?? `$${m[2]}${m[3] === undefined ? '' : ` ${m[3]}`}`);
          buffered = buffered.slice(m[0].length);
          break;
        }
        if (Date.now() > deadline) throw new Error(`no reply to ${argv[0]} (got ${JSON.stringify(buffered)})`);
        await sleep(10);
      }
    }
  } finally {
    socket.destroy();
  }
  return replies;
}

describe('the Redis add-on image', () => {
  let server: Docker.Container;
  const password = `pw-${randomBytes(12).toString('hex')}"\\ #x`; // a quote, a backslash, a #: literal in redis.conf

  const withClient = async <T>(pass: string, fn: (c: Redis) => Promise<T>): Promise<T> => {
    const client = new Redis({ host: await ipOf(server), port: 6379, password: pass, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => {});
    try {
      await client.connect();
      return await fn(client);
    } finally {
      client.disconnect();
    }
  };
  const ready = async () => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        return await withClient(password, (c) => c.ping());
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await sleep(100);
      }
    }
  };

  beforeAll(async () => {
    server = await startServer('redis', 'redis', { REDIS_PASSWORD: password }, await volume('redis'));
  });

  it('refuses to start without REDIS_PASSWORD', async () => {
    const missing = await startServer('redis', 'redis-missing', {});
    expect(await exitCodeOf(missing)).toBe(64);
    expect(await logsOf(missing)).toContain('REDIS_PASSWORD is required');
  });

  it('warns when /data is not a volume (and only then)', async () => {
    const scratch = await startServer('redis', 'redis-scratch', { REDIS_PASSWORD: 'x' });
    await sleep(300);
    expect(await logsOf(scratch)).toContain('warning: /data is not a mounted volume');
    await ready();
    expect(await logsOf(server)).not.toContain('not a mounted volume');
  });

  it('runs append-only, sized by the plan, without eviction', async () => {
    await ready();
    const config = await withClient(password, async (c) => {
      const out: Record<string, string> = {};
      for (const key of ['appendonly', 'appendfsync', 'dir', 'maxmemory', 'maxmemory-policy', 'protected-mode']) {
        const [k, v] = (await c.config('GET', key)) as [string, string];
        out[k] = v;
      }
      return out;
    });
    expect(await processUids(server)).toEqual(new Set(['998'])); // redis, not root (tini aside)
    expect(config).toEqual({ appendonly: 'yes', appendfsync: 'everysec', dir: '/data', maxmemory: String(64 * 1024 * 1024), 'maxmemory-policy': 'noeviction', 'protected-mode': 'no' });
  });

  it('keeps a key across a restart', async () => {
    await ready();
    await withClient(password, (c) => c.set('greeting', 'kept'));
    await server.restart({ t: 30 });
    await ready();
    expect(await withClient(password, (c) => c.get('greeting'))).toBe('kept');
    expect(await logsOf(server)).toMatch(/DB loaded from append only file|Reading RDB base file on AOF loading/);
  });

  it('refuses a wrong password and a client without one', async () => {
    await ready();
    // Raw RESP over one connection: what the server answers, with no client library in between.
    const replies = await resp(await ipOf(server), [['GET', 'greeting'], ['AUTH', 'not-the-password'], ['GET', 'greeting'], ['AUTH', password], ['GET', 'greeting']]);
    expect(replies).toEqual([
      expect.stringMatching(/^-NOAUTH/),
      expect.stringMatching(/^-WRONGPASS/),
      expect.stringMatching(/^-NOAUTH/),
      '+OK',
      '$4 kept',
    ]);
  });
});
