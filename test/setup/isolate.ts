/**
 * Helpers that give the e2e suite its own Gantry installation on the shared machine services:
 * a fresh database, its own Redis keys, and none of its containers, images or volumes left over.
 */
import pg from 'pg';
import { Redis } from 'ioredis';
import type { Docker } from '@gantry/docker';

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
}
