/**
 * Scheduled backups that are checked by a real restore, against real Docker, Postgres and Redis:
 * a server container of each add-on image on a named volume stands for an add-on's server (found
 * by the real DockerAddonServers through an allocation in Redis and a Host row, as in a real
 * installation); takeBackup counts the source around the dump, verifyBackup restores it into a
 * scratch server on the local engine and compares. Checked: a good backup passes with the right
 * counts; counts that differ, a truncated dump, a damaged file and a corrupt snapshot fail, loudly
 * (row and "BACKUP CHECK FAILED" in the logs of the add-on and its attached app); no scratch
 * server is left afterwards; the backup timer takes a due backup once; retention keeps N.
 */
import { randomBytes, randomUUID, createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@gantry/config';
import {
  ADDON_INCLUDE,
  addonPlatform,
  captureBackup,
  createApp,
  createUser,
  DockerScratchServers,
  runScheduledBackup,
  takeBackup,
  verifyBackup,
  type Actor,
  type AddonRow,
  type Ctx,
} from '@gantry/control';
import { connectDb, type Db } from '@gantry/db';
import { connectDocker, type Docker } from '@gantry/docker';
import { ensureAddonImages, type AddonKind } from '@gantry/installer';
import { AllocationStore, HostRegistry, connectRedis, keysFor } from '@gantry/live';
import { createLogger } from '@gantry/log';
import type { Allocation } from '@gantry/scheduler-core';
import { BackupTimer } from '../../apps/scheduler/src/backups';
import { migratedDatabase } from './helpers/scratch-db';

const config = loadConfig(process.env);
const docker = connectDocker(config.DOCKER_HOST);
const run = randomBytes(3).toString('hex');
const installation = `itbk${run}`;
const keys = keysFor(installation);
const redis = connectRedis(config.REDIS_URL, 'it-addon-backups');
const LABELS = { 'gantry.test': 'addon-backups', 'gantry.test.run': run };
const containers = new Set<string>();
const volumes = new Set<string>();
const logged: { appId: string; line: string }[] = [];
let db: Db;
let ctx: Ctx;
let actor: Actor;
let backupDir: string;
let hostId: string;
let attachedAppId: string;

/** Scratch servers of this test's installation, running or not. */
async function scratchLeft(): Promise<number> {
  return (await docker.listContainers({ all: true, filters: { label: [`gantry.instance=${installation}`, 'gantry.role=scratch-db'] } })).length;
}

/** An add-on whose server is a container of the image on a named volume, reachable through DockerAddonServers. */
async function addonWithServer(kind: AddonKind, env: Record<string, string>): Promise<{ addon: AddonRow; container: Docker.Container }> {
  const name = `${kind}-itbk-${randomBytes(3).toString('hex')}`;
  const team = await db.team.findFirstOrThrow({ where: { memberships: { some: { userId: actor.userId } } } });
  const server = await db.app.create({ data: { name, teamId: team.id, kind: 'addon', config: env } });
  const volume = await db.volume.create({ data: { name, teamId: team.id, hostId, appId: server.id, processType: 'server', mountPath: '/data' } });
  const row = await db.addon.create({ data: { name, kind, plan: 'small', teamId: team.id, appId: server.id, volumeId: volume.id } });
  await db.addonAttachment.create({ data: { addonId: row.id, appId: attachedAppId, name: kind === 'postgres' ? `DB_${run.toUpperCase()}_${volumes.size}` : `REDIS_${run.toUpperCase()}_${volumes.size}` } });
  const dockerVolume = `gantry-${installation}-${name}`;
  await docker.createVolume({ Name: dockerVolume, Labels: LABELS });
  volumes.add(dockerVolume);
  const allocId = randomUUID();
  const container = await docker.createContainer({
    name: `gantry-itbk-${run}-${name}`,
    Image: await ctx.addons!.imageRef(kind),
    Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
    Labels: { ...LABELS, 'gantry.alloc.id': allocId },
    HostConfig: { Init: true, Binds: [`${dockerVolume}:/data`] },
  });
  containers.add(container.id);
  await container.start();
  const allocs = new AllocationStore(redis, keys);
  await allocs.put({ id: allocId, appId: server.id, releaseId: randomUUID(), type: 'server', index: 1, hostId, desired: 'run', routed: false, createdAt: Date.now() } as unknown as Allocation);
  await allocs.setState(allocId, { status: 'healthy', since: Date.now() });
  return { addon: await db.addon.findUniqueOrThrow({ where: { id: row.id }, include: ADDON_INCLUDE }), container };
}

async function untilOk(what: string, probe: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what}: not ready in time`);
    await sleep(250);
  }
}

async function psql(addon: AddonRow, sql: string): Promise<string> {
  const r = await ctx.addons!.servers.exec(addon.appId, ['psql', '-X', '-A', '-t', '-q', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-U', 'shop', '-d', 'shop_db', '-c', sql], { env: { PGPASSWORD: PG_PASSWORD } });
  if (r.exitCode !== 0) throw new Error(`psql: ${r.stderr}`);
  return r.stdout.trim();
}

const PG_PASSWORD = `pw-${randomBytes(9).toString('hex')}`;
const REDIS_PASSWORD = `pw-${randomBytes(9).toString('hex')}`;
const linesOf = (appId: string) => logged.filter((l) => l.appId === appId).map((l) => l.line);
const sha256 = async (path: string) => createHash('sha256').update(await readFile(path)).digest('hex');

beforeAll(async () => {
  const refs = await ensureAddonImages(docker, config, () => {});
  await redis.hset(keys.addonImages, 'postgres', refs.postgres, 'redis', refs.redis);
  db = connectDb(await migratedDatabase('gantry_it_addon_backups'), { max: 4 });
  backupDir = await mkdtemp(join(tmpdir(), 'gantry-it-backups-'));
  const hosts = new HostRegistry(redis, keys);
  ctx = {
    db,
    queues: { add: async () => '' },
    imageRepoPrefix: `gantry-${installation}`,
    events: { append: async (appId, line) => void logged.push({ appId, line }) },
    addons: addonPlatform({ db, redis, keys, hosts }, { ...config, GANTRY_HOST_GRACE: 10_000, GANTRY_ADDON_READY_TIMEOUT: 60_000, GANTRY_INSTANCE: installation, paths: { ...config.paths, backups: backupDir } }),
  };
  const user = await createUser(ctx, { email: `backups-${run}@example.test`, password: 'password-123' });
  actor = { userId: user.id, email: user.email, isAdmin: false };
  attachedAppId = (await createApp(ctx, actor, {})).id;
  hostId = (await db.host.create({ data: { name: `itbk-${run}`, dockerUrl: config.DOCKER_HOST, address: '127.0.0.1', cpus: 2, memoryBytes: BigInt(1 << 30) } })).id;
}, 300_000);

afterAll(async () => {
  for (const id of containers) await docker.getContainer(id).remove({ force: true, v: true }).catch(() => {});
  for (const v of volumes) await docker.getVolume(v).remove().catch(() => {});
  // Anything a failed test left behind of this installation's scratch servers.
  for (const inst of [installation, `${installation}x`]) {
    for (const c of await docker.listContainers({ all: true, filters: { label: [`gantry.instance=${inst}`] } })) await docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => {});
  }
  await redis.del(...(await redis.keys(`${keys.prefix}*`)));
  redis.disconnect();
  await db?.$disconnect();
  if (backupDir) await rm(backupDir, { recursive: true, force: true });
});

describe('Postgres backups checked by a restore', () => {
  let addon: AddonRow;

  beforeAll(async () => {
    ({ addon } = await addonWithServer('postgres', { POSTGRES_USER: 'shop', POSTGRES_PASSWORD: PG_PASSWORD, POSTGRES_DB: 'shop_db' }));
    await untilOk('postgres', async () => (await psql(addon, 'SELECT 1')) === '1');
    await psql(addon, `CREATE TABLE writes (id serial PRIMARY KEY, v text); INSERT INTO writes (v) SELECT 'row ' || g FROM generate_series(1, 1043) g;
      CREATE SCHEMA "Sales"; CREATE TABLE "Sales"."Odd ""Name""" (x int); INSERT INTO "Sales"."Odd ""Name""" VALUES (1), (2);
      CREATE TABLE empty (x int);`);
  }, 120_000);

  it('records the source counts around the dump, and a good backup passes with them', async () => {
    const taken = await takeBackup(ctx, addon, 'scheduled');
    expect(JSON.parse(taken.verifyDetail!)).toEqual({
      kind: 'postgres',
      before: { 'public.empty': 0, 'public.writes': 1043, '"Sales"."Odd ""Name"""': 2 },
      after: { 'public.empty': 0, 'public.writes': 1043, '"Sales"."Odd ""Name"""': 2 },
    });
    const checked = await verifyBackup(ctx, taken);
    expect(checked).toMatchObject({ status: 'succeeded', verify: 'passed', verifyDetail: '3 tables, 1045 rows restored, as in the source' });
    expect(linesOf(addon.appId).at(-1)).toMatch(/^Backup b001 of postgres-itbk-\w+ checked: restored into a scratch server, 3 tables, 1045 rows restored, as in the source \(\d+\.\d s\)$/);
    expect(linesOf(attachedAppId).at(-1)).toBe(linesOf(addon.appId).at(-1));
    expect(await scratchLeft()).toBe(0);
    // A manual capture counts nothing and stays unchecked.
    const manual = await takeBackup(ctx, addon, 'manual');
    expect(manual).toMatchObject({ verify: null, verifyDetail: null });
  }, 180_000);

  it('fails, loudly, when the restored counts are not the source\'s', async () => {
    const taken = await takeBackup(ctx, addon, 'scheduled');
    const recorded = JSON.parse(taken.verifyDetail!);
    recorded.before['public.writes'] = 1100; // as if rows were acknowledged that the dump does not hold
    recorded.after['public.writes'] = 2000;
    recorded.before['public.gone'] = 5;
    recorded.after['public.gone'] = 5;
    const faked = await db.backup.update({ where: { id: taken.id }, data: { verifyDetail: JSON.stringify(recorded) } });
    const checked = await verifyBackup(ctx, faked);
    expect(checked).toMatchObject({ verify: 'failed', verifyDetail: 'table public.gone: missing from the restore, 5 rows in the source; table public.writes: 1043 rows restored, 1100..2000 in the source' });
    const line = `BACKUP CHECK FAILED: b003 of ${addon.name}: ${checked.verifyDetail}`;
    expect(linesOf(addon.appId)).toContain(line);
    expect(linesOf(attachedAppId)).toContain(line);
    expect(await scratchLeft()).toBe(0);
  }, 180_000);

  it('fails on a truncated dump (checksum matching) and on a damaged file, and leaves no scratch server', async () => {
    const taken = await takeBackup(ctx, addon, 'scheduled');
    const size = (await stat(taken.location!)).size;
    await truncate(taken.location!, Math.floor(size / 2));
    // Its checksum recomputed, so the restore itself must find the damage.
    const truncated = await db.backup.update({ where: { id: taken.id }, data: { sha256: await sha256(taken.location!) } });
    const checked = await verifyBackup(ctx, truncated);
    expect(checked.verify).toBe('failed');
    expect(checked.verifyDetail).toMatch(/^pg_restore failed \(exit 1\): pg_restore: error: /);
    expect(linesOf(addon.appId).at(-1)).toBe(`BACKUP CHECK FAILED: b004 of ${addon.name}: ${checked.verifyDetail}`);

    const other = await takeBackup(ctx, addon, 'scheduled');
    const bytes = await readFile(other.location!);
    bytes[bytes.length - 10] = bytes[bytes.length - 10]! ^ 0xff;
    await writeFile(other.location!, bytes);
    const damaged = await verifyBackup(ctx, other);
    expect(damaged).toMatchObject({ verify: 'failed' });
    expect(damaged.verifyDetail).toMatch(/^Backup b005 of postgres-itbk-\w+ is damaged: its SHA-256 is [0-9a-f]{64}, [0-9a-f]{64} was recorded\.$/);
    expect(await scratchLeft()).toBe(0);
  }, 240_000);

  it('passes while rows are written during the backup (restored count between before and after)', async () => {
    let stop = false;
    let written = 0;
    const writer = (async () => {
      while (!stop) {
        await psql(addon, `INSERT INTO writes (v) SELECT 'during' FROM generate_series(1, 200)`);
        written += 200;
      }
    })();
    await sleep(300);
    const taken = await takeBackup(ctx, addon, 'scheduled');
    stop = true;
    await writer;
    const src = JSON.parse(taken.verifyDetail!);
    expect(src.after['public.writes']).toBeGreaterThan(src.before['public.writes']);
    expect(written).toBeGreaterThan(0);
    expect(await verifyBackup(ctx, taken)).toMatchObject({ verify: 'passed' });
  }, 180_000);

  it('retention keeps the newest N good scheduled backups, the failed checks apart, and every manual one', async () => {
    await db.addon.update({ where: { id: addon.id }, data: { backupKeep: 2 } });
    const fresh = await db.addon.findUniqueOrThrow({ where: { id: addon.id }, include: ADDON_INCLUDE });
    const before = await db.backup.findMany({ where: { addonId: addon.id }, orderBy: { number: 'asc' } });
    // b001 passed, b002 manual, b003..b005 check failed, b006 passed.
    expect(before.map((b) => `${b.number}:${b.trigger}:${b.verify}`)).toEqual(['1:scheduled:passed', '2:manual:null', '3:scheduled:failed', '4:scheduled:failed', '5:scheduled:failed', '6:scheduled:passed']);
    const { backup, removed } = await runScheduledBackup(ctx, fresh);
    expect(backup).toMatchObject({ number: 7, verify: 'passed' });
    expect(removed.map((b) => b.number)).toEqual([1, 3]);
    const after = await db.backup.findMany({ where: { addonId: addon.id }, orderBy: { number: 'asc' } });
    expect(after.map((b) => b.number)).toEqual([2, 4, 5, 6, 7]);
    for (const b of removed) expect(await stat(b.location!).then(() => 'there', () => 'gone')).toBe('gone');
    for (const b of after.filter((b) => b.location)) expect(await stat(b.location!).then(() => 'there', () => 'gone')).toBe('there');
  }, 180_000);

  it('the backup timer takes a due backup once, checks it, and logs one add-on\'s failure without stopping', async () => {
    const now = new Date();
    const hhmm = new Date(now.getTime() - 60_000).toISOString().slice(11, 16);
    await db.addon.update({ where: { id: addon.id }, data: { backupAt: hhmm, backupKeep: 2, backupScheduledAt: new Date(now.getTime() - 2 * 86_400_000) } });
    // The backups so far were taken yesterday, as far as the schedule is concerned.
    await db.$executeRaw`UPDATE "Backup" SET "createdAt" = "createdAt" - interval '1 day' WHERE "addonId" = ${addon.id}::uuid`;
    // A second add-on due too, whose server is gone: its backup fails, the first one's goes on.
    const { addon: broken, container } = await addonWithServer('postgres', { POSTGRES_USER: 'shop', POSTGRES_PASSWORD: PG_PASSWORD, POSTGRES_DB: 'shop_db' });
    await container.remove({ force: true, v: true });
    await db.addon.update({ where: { id: broken.id }, data: { backupAt: hhmm, backupScheduledAt: new Date(now.getTime() - 2 * 86_400_000) } });
    const errors: string[] = [];
    const log = { ...createLogger('test', 'error'), error: (m: string) => void errors.push(m), info: () => {}, warn: () => {} };
    const timer = new BackupTimer({ ctx, scratch: ctx.addons!.scratch, log: log as never });
    const done = await timer.tick();
    expect(done.taken).toEqual([
      { addon: addon.name, outcome: 'passed', removed: 1 },
      { addon: broken.name, outcome: 'failed', removed: 0 },
    ]);
    expect(errors.join('\n')).toContain(`backups: ${broken.name} (due `);
    expect(linesOf(broken.appId).at(-1)).toMatch(/^BACKUP FAILED: b001 of postgres-itbk-\w+ \(scheduled\): /);
    // Nothing is owed any more today: the next tick does nothing.
    expect(await timer.tick()).toEqual({ taken: [], interrupted: [], rechecked: [] });
    expect(await scratchLeft()).toBe(0);
  }, 240_000);

  it('the timer fails a backup a stopped process left running (loudly) and runs a check it left pending again', async () => {
    const fresh = await db.addon.findUniqueOrThrow({ where: { id: addon.id }, include: ADDON_INCLUDE });
    const pending = await takeBackup(ctx, fresh, 'scheduled');
    await db.backup.update({ where: { id: pending.id }, data: { verify: 'pending', finishedAt: new Date(Date.now() - 3 * 3600_000) } });
    const last = await db.backup.findFirstOrThrow({ where: { addonId: addon.id }, orderBy: { number: 'desc' } });
    const stuck = await db.backup.create({ data: { addonId: addon.id, addonName: addon.name, teamId: addon.teamId, kind: 'postgres', number: last.number + 1, trigger: 'scheduled', createdAt: new Date(Date.now() - 7 * 3600_000) } });
    // A recent "running" one may still be going: left alone.
    const recent = await db.backup.create({ data: { addonId: addon.id, addonName: addon.name, teamId: addon.teamId, kind: 'postgres', number: last.number + 2, trigger: 'manual' } });
    const timer = new BackupTimer({ ctx, scratch: ctx.addons!.scratch, log: { ...createLogger('test', 'error'), error: () => {}, info: () => {}, warn: () => {} } as never });
    const report = await timer.tick();
    const n = (x: number) => `b${String(x).padStart(3, '0')}`;
    expect(report).toEqual({ taken: [], interrupted: [`${addon.name} ${n(stuck.number)}`], rechecked: [`${addon.name} ${n(pending.number)}: passed`] });
    expect(await db.backup.findUniqueOrThrow({ where: { id: stuck.id } })).toMatchObject({ status: 'failed', error: 'interrupted: the process taking it stopped before it finished' });
    expect(await db.backup.findUniqueOrThrow({ where: { id: recent.id } })).toMatchObject({ status: 'running' });
    expect(linesOf(attachedAppId)).toContain(`BACKUP FAILED: ${n(stuck.number)} of ${addon.name} (scheduled): interrupted: the process taking it stopped before it finished`);
    await db.backup.delete({ where: { id: recent.id } });
  }, 180_000);
});

describe('Redis snapshots checked by loading them', () => {
  let addon: AddonRow;

  beforeAll(async () => {
    ({ addon } = await addonWithServer('redis', { REDIS_PASSWORD, REDISCLI_AUTH: REDIS_PASSWORD }));
    const cli = (...args: string[]) => ctx.addons!.servers.exec(addon.appId, ['redis-cli', '-h', '127.0.0.1', '--no-auth-warning', ...args]);
    await untilOk('redis', async () => (await cli('ping')).stdout.trim() === 'PONG');
    for (let i = 0; i < 25; i++) expect((await cli('set', `k${i}`, `v${i}`)).stdout.trim()).toBe('OK');
    await cli('set', 'ttl', 'x', 'EX', '3600');
  }, 120_000);

  it('a good snapshot loads with the source\'s key count; a corrupt one fails loudly', async () => {
    const taken = await takeBackup(ctx, addon, 'scheduled');
    expect(JSON.parse(taken.verifyDetail!)).toEqual({ kind: 'redis', before: { keys: 26, expires: 1 }, after: { keys: 26, expires: 1 } });
    expect(await verifyBackup(ctx, taken)).toMatchObject({ verify: 'passed', verifyDetail: '26 keys loaded, as in the source' });

    const bad = await takeBackup(ctx, addon, 'scheduled');
    const bytes = await readFile(bad.location!);
    await writeFile(bad.location!, bytes.subarray(0, 40)); // the header, then nothing
    const corrupt = await verifyBackup(ctx, await db.backup.update({ where: { id: bad.id }, data: { sha256: await sha256(bad.location!) } }));
    expect(corrupt.verify).toBe('failed');
    expect(corrupt.verifyDetail).toMatch(/^the scratch server stopped \(exit \d+\) before the snapshot was ready: .*RDB ERROR DETECTED .*Unexpected EOF reading RDB file/);
    expect(corrupt.verifyDetail).not.toContain('\n');
    expect(linesOf(attachedAppId)).toContain(`BACKUP CHECK FAILED: b002 of ${addon.name}: ${corrupt.verifyDetail}`);
    expect(await scratchLeft()).toBe(0);
  }, 180_000);

  it('pg:backups:capture is unchecked by default, and checked before it answers with verify', async () => {
    expect(await captureBackup(ctx, actor, addon.name)).toMatchObject({ trigger: 'manual', status: 'succeeded', verify: null, verifyDetail: null });
    expect(await captureBackup(ctx, actor, addon.name, { verify: true })).toMatchObject({ number: 4, trigger: 'manual', verify: 'passed', verifyDetail: '26 keys loaded, as in the source' });
    expect(await scratchLeft()).toBe(0);
  }, 120_000);
});

describe('scratch servers', () => {
  it('are swept when a process died mid-check: only this installation\'s, only older than asked, with their anonymous volume', async () => {
    const scratch = ctx.addons!.scratch;
    const server = await scratch.create({ image: await ctx.addons!.imageRef('redis'), env: {}, cmd: ['sleep', '600'], dataDir: '/data' });
    await server.start();
    const others = new DockerScratchServers({ docker, installation: `${installation}x` });
    const theirs = await others.create({ image: await ctx.addons!.imageRef('redis'), env: {}, cmd: ['sleep', '600'], dataDir: '/data' });
    const info = await docker.getContainer(server.name).inspect();
    expect(info.HostConfig.NetworkMode).toBe('none');
    expect(info.Config.Labels).toMatchObject({ 'gantry.instance': installation, 'gantry.role': 'scratch-db' });
    const volume = info.Mounts.find((m) => m.Destination === '/data')!;
    expect(volume).toMatchObject({ Type: 'volume' });
    expect(await scratch.sweep(3_600_000)).toBe(0);
    expect(await scratchLeft()).toBe(1);
    await sleep(1100);
    expect(await scratch.sweep(0)).toBe(1);
    expect(await scratchLeft()).toBe(0);
    expect(await docker.getContainer(theirs.name).inspect().then(() => 'there', () => 'gone')).toBe('there');
    expect(await others.sweep(0)).toBe(1);
    expect(await docker.getVolume(volume.Name!).inspect().then(() => 'there', () => 'gone')).toBe('gone');
  }, 60_000);
});
