/**
 * The volume use cases against a real Postgres (a fresh database): create (bound to a host now or
 * at first placement), mount (team, process type, path, one host per type, one writer), unmount,
 * destroy (confirm, never while mounted, never an add-on's; the Docker volume removed from its
 * host through the add-ons' server port), and apps:destroy naming what stays.
 * The scheduler's wake and the Docker volume removal are recorded by in-memory ports: what they
 * do is tested in test/e2e/volumes.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createApp,
  createRelease,
  createUser,
  createVolume,
  destroyApp,
  destroyVolume,
  listAppVolumes,
  listVolumes,
  mountVolume,
  removeHost,
  unmountVolume,
  updateFormation,
  type Actor,
  type AddonServers,
  type Ctx,
} from '@gantry/control';
import { Conflict, Forbidden, InvalidInput, NameTaken } from '@gantry/core';
import { connectDb, type Db } from '@gantry/db';
import { migratedDatabase } from './helpers/scratch-db';

describe('volume use cases', () => {
  let db: Db;
  let ctx: Ctx;
  let owner: Actor;
  let stranger: Actor;
  const wakes: string[] = [];
  const removed: string[] = [];
  let removeFails: { statusCode?: number; message: string } | null = null;
  const hosts: Record<string, string> = {};

  const servers: AddonServers = {
    state: async () => ({ status: 'unplaced', hostId: null, host: null, since: null, message: null, releaseId: null }),
    exec: async () => ({ exitCode: 1, stdout: '', stderr: 'not here' }),
    putFile: async () => {},
    removeVolume: async (hostId, dockerName) => {
      if (removeFails) throw removeFails;
      removed.push(`${hostId} ${dockerName}`);
    },
  };

  beforeAll(async () => {
    db = connectDb(await migratedDatabase('gantry_it_volumes'), { max: 4 });
    ctx = {
      db,
      queues: { add: async () => '' },
      imageRepoPrefix: 'gantry-itvol',
      live: { wake: async (appId, why) => void wakes.push(`${appId} ${why}`), hostChanged: async () => {} },
      addons: { servers, imageRef: async () => 'img', backupDir: '/nonexistent', readyTimeoutMs: 1000, installation: 'itvol', scratch: { create: async () => { throw new Error('no scratch servers here'); }, sweep: async () => 0 } },
    };
    const a = await createUser(ctx, { email: 'vol-owner@example.test', password: 'password-123' });
    const b = await createUser(ctx, { email: 'vol-stranger@example.test', password: 'password-123' });
    owner = { userId: a.id, email: a.email, isAdmin: false };
    stranger = { userId: b.id, email: b.email, isAdmin: false };
    for (const name of ['host-a', 'host-b']) {
      hosts[name] = (await db.host.create({ data: { name, dockerUrl: 'unix:///nowhere.sock', address: '10.0.0.1', cpus: 2, memoryBytes: 4294967296n } })).id;
    }
  });

  afterAll(async () => {
    await db?.$disconnect();
  });

  /** An app of `actor` (personal team unless `team`) with web and worker (worker at 1). */
  async function appWithWorker(actor = owner, team?: string) {
    const app = await createApp(ctx, actor, team ? { team } : {});
    await createRelease(ctx, { appId: app.id, description: 'Deploy', imageRef: 'img:1', config: {}, processTypes: { web: 'serve', worker: 'work' }, healthChecks: {} });
    await db.formationEntry.update({ where: { appId_type: { appId: app.id, type: 'worker' } }, data: { quantity: 1 } });
    return app;
  }
  const err = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => e as Error);

  it('creates a volume on a named host, or on no host until its first user is placed', async () => {
    const app = await appWithWorker();
    expect(await err(createVolume(ctx, owner, app.name, { name: 'Bad_Name' }))).toBeInstanceOf(InvalidInput);
    const unknown = await err(createVolume(ctx, owner, app.name, { name: 'data-x', host: 'host-z' }));
    expect(unknown).toBeInstanceOf(InvalidInput);
    expect(unknown!.message).toBe('No host named "host-z". Hosts: host-a, host-b.');

    const pinned = await createVolume(ctx, owner, app.name, { name: 'pinned-1', host: 'host-b' });
    expect({ host: pinned.host, team: pinned.volume.team.name, app: pinned.volume.app }).toEqual({ host: 'host-b', team: expect.any(String), app: null });
    const loose = await createVolume(ctx, owner, app.name, { name: 'loose-1' });
    expect(loose.host).toBeNull();
    expect(await err(createVolume(ctx, owner, app.name, { name: 'loose-1' }))).toBeInstanceOf(NameTaken);
    // Another team's user cannot make one in this app's team.
    expect(await err(createVolume(ctx, stranger, app.name, { name: 'intruder-1' }))).toBeInstanceOf(Forbidden);
    expect((await listVolumes(ctx, owner)).map((v) => v.volume.name)).toEqual(expect.arrayContaining(['loose-1', 'pinned-1']));
    expect((await listVolumes(ctx, stranger)).map((v) => v.volume.name)).toEqual([]);
  });

  it('mounts a volume on a process type of the app and wakes the scheduler; refuses bad paths, unknown types and a second writer', async () => {
    const app = await appWithWorker();
    await createVolume(ctx, owner, app.name, { name: 'mnt-1', host: 'host-a' });
    expect((await err(mountVolume(ctx, owner, 'mnt-1', { app: app.name, type: 'worker', path: 'data' })))!.message).toContain('must be an absolute path');
    expect((await err(mountVolume(ctx, owner, 'mnt-1', { app: app.name, type: 'worker', path: '/etc' })))!.message).toContain('is a system path');
    const noType = await err(mountVolume(ctx, owner, 'mnt-1', { app: app.name, type: 'clock', path: '/app/data' }));
    expect(noType).toBeInstanceOf(InvalidInput);
    expect(noType!.message).toBe(`No process type clock in ${app.name}. Process types: web, worker.`);
    expect((await err(mountVolume(ctx, owner, 'mnt-1', { app: app.name, type: 'release', path: '/app/data' })))!.message).toContain('release cannot mount volumes');

    wakes.length = 0;
    const mounted = await mountVolume(ctx, owner, 'mnt-1', { app: app.name, type: 'worker', path: '/app/data' });
    expect({ app: mounted.volume.app?.name, type: mounted.volume.processType, path: mounted.volume.mountPath, host: mounted.host }).toEqual({ app: app.name, type: 'worker', path: '/app/data', host: 'host-a' });
    expect(wakes).toEqual([`${app.id} volume mnt-1 mounted on worker`]);
    expect((await listAppVolumes(ctx, owner, app.name)).map((v) => v.volume.name)).toEqual(['mnt-1']);
    // The same mount again is a no-op; another one is refused until it is unmounted.
    expect((await mountVolume(ctx, owner, 'mnt-1', { app: app.name, type: 'worker', path: '/app/data' })).volume.mountPath).toBe('/app/data');
    expect((await err(mountVolume(ctx, owner, 'mnt-1', { app: app.name, type: 'web', path: '/app/data' })))!.message).toContain('is already mounted by');

    // One writer: the type cannot be scaled past one instance while it mounts the volume.
    const scale = await err(updateFormation(ctx, owner, app.name, { worker: { quantity: 2 } }));
    expect(scale).toBeInstanceOf(Conflict);
    expect(scale!.message).toContain('mounts the volume mnt-1, which takes one writer');
    // Same path twice on one type; a second volume on another host.
    await createVolume(ctx, owner, app.name, { name: 'mnt-2', host: 'host-a' });
    expect((await err(mountVolume(ctx, owner, 'mnt-2', { app: app.name, type: 'worker', path: '/app/data' })))!.message).toContain('already mounts mnt-1 at /app/data');
    await createVolume(ctx, owner, app.name, { name: 'mnt-3', host: 'host-b' });
    const split = await err(mountVolume(ctx, owner, 'mnt-3', { app: app.name, type: 'worker', path: '/app/other' }));
    expect(split).toBeInstanceOf(Conflict);
    expect(split!.message).toBe(
      `worker of ${app.name} mounts mnt-1, which lives on host-a; mnt-3 lives on host-b. A process type runs on one host, so every volume it mounts must live on the same host.`,
    );
    // A second volume on the same host is fine.
    expect((await mountVolume(ctx, owner, 'mnt-2', { app: app.name, type: 'worker', path: '/app/more' })).host).toBe('host-a');
  });

  it('checks two volumes mounted on one type at once one after the other: never a type split across hosts', async () => {
    const app = await appWithWorker();
    await createVolume(ctx, owner, app.name, { name: 'race-a', host: 'host-a' });
    await createVolume(ctx, owner, app.name, { name: 'race-b', host: 'host-b' });
    const results = await Promise.allSettled([
      mountVolume(ctx, owner, 'race-a', { app: app.name, type: 'worker', path: '/app/a' }),
      mountVolume(ctx, owner, 'race-b', { app: app.name, type: 'worker', path: '/app/b' }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const refused = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')!.reason as Error;
    expect(refused).toBeInstanceOf(Conflict);
    expect(refused.message).toContain('every volume it mounts must live on the same host');
    expect(await db.volume.count({ where: { appId: app.id, processType: 'worker' } })).toBe(1);
  });

  it("keeps app.json from scaling a type with a volume past one writer (its size still follows)", async () => {
    const app = await appWithWorker();
    await createVolume(ctx, owner, app.name, { name: 'manifest-1' });
    await mountVolume(ctx, owner, 'manifest-1', { app: app.name, type: 'worker', path: '/app/data' });
    await createRelease(ctx, {
      appId: app.id,
      description: 'Deploy',
      imageRef: 'img:2',
      config: {},
      processTypes: { web: 'serve', worker: 'work' },
      healthChecks: {},
      manifest: { formation: { worker: { quantity: 3, size: 'standard-2x' }, web: { quantity: 2 } } },
    });
    const rows = await db.formationEntry.findMany({ where: { appId: app.id }, orderBy: { type: 'asc' } });
    expect(rows.map((f) => [f.type, f.quantity, f.size])).toEqual([
      ['web', 2, 'standard-1x'],
      ['worker', 1, 'standard-2x'],
    ]);
  });

  it('refuses a type that runs several instances unless the mount is concurrent', async () => {
    const app = await appWithWorker();
    await updateFormation(ctx, owner, app.name, { worker: { quantity: 2 } });
    await createVolume(ctx, owner, app.name, { name: 'multi-1' });
    expect((await err(mountVolume(ctx, owner, 'multi-1', { app: app.name, type: 'worker', path: '/app/data' })))!.message).toContain('runs 2 instances, and a volume takes one writer');
    expect((await mountVolume(ctx, owner, 'multi-1', { app: app.name, type: 'worker', path: '/app/data', concurrent: true })).volume.concurrent).toBe(true);
  });

  it("keeps a volume to its team: another team's app cannot mount it, nor its user", async () => {
    const app = await appWithWorker();
    await createVolume(ctx, owner, app.name, { name: 'team-1' });
    const theirs = await appWithWorker(stranger);
    expect(await err(mountVolume(ctx, stranger, 'team-1', { app: theirs.name, type: 'worker', path: '/app/data' }))).toBeInstanceOf(Forbidden);
    // The owner is also in a second team: its apps cannot mount the first team's volume either.
    const team = await db.team.create({ data: { name: 'vol-second', memberships: { create: [{ userId: owner.userId, role: 'owner' }] } } });
    const other = await appWithWorker(owner, team.name);
    const cross = await err(mountVolume(ctx, owner, 'team-1', { app: other.name, type: 'worker', path: '/app/data' }));
    expect(cross).toBeInstanceOf(Conflict);
    expect(cross!.message).toContain('A volume is mounted only by apps of its team');
    expect(await db.volume.findUniqueOrThrow({ where: { name: 'team-1' } })).toMatchObject({ appId: null });
  });

  it("refuses to mount, unmount or destroy an add-on's volume through volumes:*", async () => {
    const app = await appWithWorker();
    const server = await db.app.create({ data: { name: 'postgres-it-1', teamId: app.teamId, kind: 'addon' } });
    const volume = await db.volume.create({ data: { name: 'postgres-it-1-data', teamId: app.teamId, hostId: hosts['host-a'], appId: server.id, processType: 'postgres', mountPath: '/data' } });
    await db.addon.create({ data: { name: 'postgres-it-1', kind: 'postgres', plan: 'small', teamId: app.teamId, appId: server.id, volumeId: volume.id } });
    for (const p of [
      mountVolume(ctx, owner, volume.name, { app: app.name, type: 'worker', path: '/app/data' }),
      unmountVolume(ctx, owner, volume.name),
      destroyVolume(ctx, owner, volume.name, volume.name),
    ]) {
      const e = await err(p);
      expect(e).toBeInstanceOf(Conflict);
      expect(e!.message).toContain('holds the data of the add-on postgres-it-1');
      expect(e!.message).toContain('gantry addons:');
    }
    expect(await db.volume.findUnique({ where: { id: volume.id } })).toMatchObject({ appId: server.id, mountPath: '/data' });
  });

  it('destroys a volume only unmounted and confirmed, removing its Docker volume from its host first', async () => {
    const app = await appWithWorker();
    await createVolume(ctx, owner, app.name, { name: 'gone-1', host: 'host-b' });
    await mountVolume(ctx, owner, 'gone-1', { app: app.name, type: 'worker', path: '/app/data' });
    const mounted = await err(destroyVolume(ctx, owner, 'gone-1', 'gone-1'));
    expect(mounted).toBeInstanceOf(Conflict);
    expect(mounted!.message).toBe(`gone-1 is mounted by ${app.name} (worker at /app/data): unmount it first (gantry volumes:unmount gone-1).`);

    wakes.length = 0;
    expect((await unmountVolume(ctx, owner, 'gone-1')).volume.app).toBeNull();
    expect(wakes).toEqual([`${app.id} volume gone-1 unmounted from worker`]);
    expect(await err(unmountVolume(ctx, owner, 'gone-1'))).toBeInstanceOf(Conflict);

    const unconfirmed = await err(destroyVolume(ctx, owner, 'gone-1', undefined));
    expect(unconfirmed!.message).toBe('This destroys gone-1 and every file on it (on host-b); it cannot be undone. To go on, pass --confirm gone-1.');
    expect(await err(destroyVolume(ctx, owner, 'gone-1', 'gone-2'))).toBeInstanceOf(Conflict);

    // Its host refuses (a stopping container still uses it): nothing destroyed.
    removeFails = { statusCode: 409, message: 'volume is in use' };
    expect((await err(destroyVolume(ctx, owner, 'gone-1', 'gone-1')))!.message).toContain('is still used by a container on host-b');
    removeFails = { message: 'connect ECONNREFUSED' };
    expect((await err(destroyVolume(ctx, owner, 'gone-1', 'gone-1')))!.message).toContain('nothing was destroyed');
    expect(await db.volume.findUnique({ where: { name: 'gone-1' } })).not.toBeNull();
    removeFails = null;

    removed.length = 0;
    expect(await destroyVolume(ctx, owner, 'gone-1', 'gone-1')).toEqual({ volume: 'gone-1', host: 'host-b' });
    expect(removed).toEqual([`${hosts['host-b']} gantry-itvol-v-gone-1`]);
    expect(await db.volume.findUnique({ where: { name: 'gone-1' } })).toBeNull();
    // A volume never placed has nothing on any host.
    await createVolume(ctx, owner, app.name, { name: 'never-1' });
    removed.length = 0;
    await destroyVolume(ctx, owner, 'never-1', 'never-1');
    expect(removed).toEqual([]);
    // Only owners and admins destroy: a member cannot.
    const member = await createUser(ctx, { email: 'vol-member@example.test', password: 'password-123' });
    await db.membership.create({ data: { teamId: app.teamId, userId: member.id, role: 'member' } });
    await createVolume(ctx, owner, app.name, { name: 'kept-1' });
    expect(await err(destroyVolume(ctx, { userId: member.id, email: member.email, isAdmin: false }, 'kept-1', 'kept-1'))).toBeInstanceOf(Forbidden);
  });

  it('refuses to remove a host that holds a volume, naming it and how to destroy it', async () => {
    const app = await appWithWorker();
    const admin = { ...owner, isAdmin: true };
    await db.host.create({ data: { name: 'host-c', dockerUrl: 'unix:///nowhere.sock', address: '10.0.0.3', cpus: 2, memoryBytes: 4294967296n } });
    await createVolume(ctx, owner, app.name, { name: 'on-c', host: 'host-c' });
    const refused = await err(removeHost(ctx, admin, 'host-c', async () => 0));
    expect(refused).toBeInstanceOf(Conflict);
    expect(refused!.message).toBe('host-c holds a volume whose data would be lost: on-c (gantry volumes:destroy on-c --confirm on-c). Move or destroy it first.');
    await destroyVolume(ctx, owner, 'on-c', 'on-c');
    await removeHost(ctx, admin, 'host-c', async () => 0);
    expect(await db.host.findUnique({ where: { name: 'host-c' } })).toBeNull();
  });

  it('destroys an app with a volume or an add-on only confirmed, and names what stays (unmounted, detached, with the commands)', async () => {
    const plain = await appWithWorker();
    expect((await destroyApp(ctx, owner, plain.name)).kept).toEqual({ volumes: [], addons: [] });

    const app = await appWithWorker();
    await createVolume(ctx, owner, app.name, { name: 'stays-1', host: 'host-b' });
    await mountVolume(ctx, owner, 'stays-1', { app: app.name, type: 'worker', path: '/app/data' });
    const server = await db.app.create({ data: { name: 'redis-it-2', teamId: app.teamId, kind: 'addon' } });
    const data = await db.volume.create({ data: { name: 'redis-it-2-data', teamId: app.teamId, appId: server.id, processType: 'redis', mountPath: '/data' } });
    const addon = await db.addon.create({ data: { name: 'redis-it-2', kind: 'redis', plan: 'small', teamId: app.teamId, appId: server.id, volumeId: data.id } });
    await db.addonAttachment.create({ data: { addonId: addon.id, appId: app.id, name: 'REDIS' } });

    const refused = await err(destroyApp(ctx, owner, app.name));
    expect(refused).toBeInstanceOf(Conflict);
    expect(refused!.message).toBe(
      `${app.name} has data that stays when it is destroyed: volume stays-1 (worker at /app/data, on host-b); add-on redis-it-2 (redis, as REDIS). They are kept (unmounted, detached), not destroyed. To destroy ${app.name}, pass --confirm ${app.name}.`,
    );
    expect(await err(destroyApp(ctx, owner, app.name, 'not-it'))).toBeInstanceOf(Conflict);
    expect(await db.app.findUnique({ where: { id: app.id } })).not.toBeNull();

    const done = await destroyApp(ctx, owner, app.name, app.name);
    expect(done.kept).toEqual({
      volumes: [{ name: 'stays-1', host: 'host-b', processType: 'worker', mountPath: '/app/data', destroy: 'gantry volumes:destroy stays-1 --confirm stays-1' }],
      addons: [{ name: 'redis-it-2', kind: 'redis', as: 'REDIS', destroy: 'gantry addons:destroy redis-it-2 --confirm redis-it-2' }],
    });
    expect(await db.app.findUnique({ where: { id: app.id } })).toBeNull();
    expect(await db.volume.findUniqueOrThrow({ where: { name: 'stays-1' } })).toMatchObject({ appId: null, processType: null, mountPath: null, hostId: hosts['host-b'] });
    expect(await db.addon.findUnique({ where: { id: addon.id } })).not.toBeNull();
    expect(await db.addonAttachment.count({ where: { addonId: addon.id } })).toBe(0);
    const event = await db.auditEvent.findFirstOrThrow({ where: { action: 'app.destroy', target: app.name } });
    expect(event.details).toEqual({ keptVolumes: ['stays-1'], keptAddons: ['redis-it-2'] });
  });
});
