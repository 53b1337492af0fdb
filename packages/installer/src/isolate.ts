/**
 * Helpers that give the e2e suite and benchmarks their own Gantry installation on the shared machine services:
 * a fresh database, its own Redis keys, and none of its containers, images or volumes left over.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { Redis } from 'ioredis';
import { REPO_ROOT, loadConfig, type Config } from '@gantry/config';
import { applyMigrations, DEFAULT_MIGRATIONS_DIR, DEFAULT_SCHEMA_PATH } from '@gantry/db/migrate';
import { connectDocker, type Docker } from '@gantry/docker';
import { connectDb } from '@gantry/db';
import { keysFor } from '@gantry/live';
import { ensureLocalHost } from './local-host';
import { ensureAddonImages } from './addon-images';
import { ensureNetdImage } from './netd-image';
import { ensureServicesBuild } from '@gantry/supervisor/build';
import { startSupervisor, stopSupervisor, waitHealthy } from './services';

/** Same server and credentials, another database name. */
export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

export async function recreateDatabase(url: string): Promise<void> {
  const u = new URL(url);
  const name = u.pathname.slice(1);
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`unsafe database name ${name}`);
  const admin = new pg.Client({ host: u.hostname, port: Number(u.port || 5432), user: decodeURIComponent(u.username), password: decodeURIComponent(u.password), database: 'postgres' });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
}

export async function deleteRedisKeys(url: string, pattern: string): Promise<void> {
  const r = new Redis(url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await r.del(...keys);
    } while (cursor !== '0');
  } finally {
    r.disconnect();
  }
}

/** Removes every container, image and volume labelled with this installation. */
export async function removeDockerObjects(docker: Docker, instance: string): Promise<void> {
  const label = [`gantry.instance=${instance}`];
  for (const c of await docker.listContainers({ all: true, filters: { label } })) {
    await docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => {});
  }
  for (const img of await docker.listImages({ filters: { label } })) {
    await docker.getImage(img.Id).remove({ force: true }).catch(() => {});
  }
  const { Volumes } = await docker.listVolumes({ filters: { label } });
  for (const v of Volumes ?? []) await docker.getVolume(v.Name).remove().catch(() => {});
  // Team networks (on this swarm manager) and the apps bridge; one still used elsewhere stays.
  for (const n of await docker.listNetworks({ filters: { label } })) await docker.getNetwork(n.Id).remove().catch(() => {});
}

export interface IsolatedGantry {
  env: Record<string, string>;
  config: Config;
  stop: () => Promise<void>;
}

/**
 * The settings of an installation beside any other on this machine: its own instance name (Redis
 * keys, containers, images), database, home directory and ports (base+3000, base+7070,
 * base+8080...); the secrets and the servers of this checkout.
 */
export function isolatedEnv(instance: string, portBase: number, extraEnv: Record<string, string> = {}): Record<string, string> {
  const base = loadConfig(process.env);
  return {
    GANTRY_INSTANCE: instance,
    GANTRY_HOME: join(REPO_ROOT, '.gantry', instance),
    DATABASE_URL: withDatabase(base.DATABASE_URL, `gantry_${instance.replace(/-/g, '_')}`),
    REDIS_URL: base.REDIS_URL,
    GANTRY_SECRET: base.GANTRY_SECRET,
    GANTRY_API_PORT: String(portBase + 3000),
    GANTRY_GIT_PORT: String(portBase + 7070),
    GANTRY_ROUTER_PORT: String(portBase + 8080),
    GANTRY_IMAGES_PORT: String(portBase + 7071),
    GANTRY_ROUTER_TLS_PORT: String(portBase + 8443),
    GANTRY_BIND: '127.0.0.1',
    GANTRY_NETD_PORT: String(portBase + 7380),
    ...extraEnv,
  };
}

/**
 * Starts a complete Gantry installation beside any other on this machine: its own instance name
 * (Redis keys, containers, images), database, home directory and ports (base+3000, base+7070,
 * base+8080). Everything of a previous run of the same instance is wiped first.
 */
export async function startIsolatedGantry(instance: string, portBase: number, extraEnv: Record<string, string> = {}): Promise<IsolatedGantry> {
  const env = isolatedEnv(instance, portBase, extraEnv);
  const fullEnv = { ...process.env, ...env };
  const config = loadConfig(fullEnv);
  const docker = connectDocker(config.DOCKER_HOST);

  await stopSupervisor(config);
  await removeDockerObjects(docker, instance);
  // The netd image of this checkout's code (a no-op when current; the stack image is made by
  // `npm test`'s preparation). It carries no installation label, so the wipe above keeps it.
  const netd = await ensureNetdImage(docker, config, () => {});
  // The add-on server images likewise; the API reads their refs from Redis.
  const addonImages = await ensureAddonImages(docker, config, () => {});
  await deleteRedisKeys(config.REDIS_URL, `gantry:${instance}:*`);
  await recreateDatabase(config.DATABASE_URL);
  await applyMigrations({ databaseUrl: config.DATABASE_URL, migrationsDir: DEFAULT_MIGRATIONS_DIR, schemaPath: DEFAULT_SCHEMA_PATH });
  for (const dir of ['repos', 'sources', 'logs']) await rm(join(config.paths.home, dir), { recursive: true, force: true });
  const db = connectDb(config.DATABASE_URL, { max: 2 });
  const redis = new Redis(config.REDIS_URL);
  try {
    await ensureLocalHost(config, db, redis);
    await redis.set(keysFor(config.GANTRY_INSTANCE).netdImage, netd.ref);
    await redis.hset(keysFor(config.GANTRY_INSTANCE).addonImages, addonImages);
  } finally {
    await db.$disconnect();
    redis.disconnect();
  }
  // Compiled, as `npm run up` runs them: the suite tests the production build of this checkout.
  const { dist } = await ensureServicesBuild();
  startSupervisor(config, fullEnv, dist);
  // Not healthy: its services would keep running (and restarting) after the caller gives up.
  await waitHealthy(config, 120_000, () => {}).catch(async (err: unknown) => {
    await stopSupervisor(config).catch(() => {});
    throw err;
  });
  return {
    env,
    config,
    stop: async () => {
      await stopSupervisor(config);
      await removeDockerObjects(docker, instance);
    },
  };
}
