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
  moveAddon,
  moveVolume,
  drainHost,
  parseListing,
  removeHost,
  unmountVolume,
  updateFormation,
  type Actor,
  type AddonServers,
  type Ctx,
  type VolumeCopier,
} from '@gantry/control';
import { Conflict, Forbidden, InvalidInput, NameTaken, Unavailable } from '@gantry/core';
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
    addresses: async () => ({}),
    removeVolume: async (hostId, dockerName) => {
      if (removeFails) throw removeFails;
      removed.push(`${hostId} ${dockerName}`);
    },
  };

  /**
   * Docker volumes per host as file lists ("f <size> <mode> <uid>:<gid> <path>"), users per
   * volume, and what the copy sees of the row: the copy itself is tested in test/e2e/addons-move.
   */
  const disks = new Map<string, Map<string, string[]>>();
  const users = new Map<string, number>();
  const moveLog: string[] = [];
  let copyFault: 'fail' | 'short' | null = null;
  const disk = (hostId: string) => disks.get(hostId) ?? disks.set(hostId, new Map()).get(hostId)!;
  const copier: VolumeCopier = {
    users: async (_h, dockerName) => {
      const n = users.get(dockerName) ?? 0;
      if (n > 0) users.set(dockerName, n - 1); // stops after a few polls, as the scheduler stops it
      return n > 0 ? ['worker.1'] : [];
    },
    reachable: async () => true,
    imageOn: async (_h, refs) => refs[0] ?? null,
    copyImage: async (from, to, ref) => void moveLog.push(`image ${ref}`),
    copy: async (from, to, dockerName) => {
      const row = await db.volume.findFirstOrThrow({ where: { hostId: from, movingTo: to } });
      moveLog.push(`copy ${row.name} while movingTo is set`);
      if (copyFault === 'fail') throw new Error('tar on the target host exited with 2: No space left on device');
      const files = [...(disk(from).get(dockerName) ?? [])];
      disk(to).set(dockerName, copyFault === 'short' ? files.slice(1) : files);
      return { bytes: 10240 };
    },
    listing: async (hostId, dockerName) => parseListing((disk(hostId).get(dockerName) ?? []).map((l) => `${l}\0`).join('')),
    remove: async (hostId, dockerName) => void disk(hostId).delete(dockerName),
  };

  beforeAll(async () => {
    db = connectDb(await migratedDatabase('gantry_it_volumes'), { max: 4 });
    ctx = {
      db,
      queues: { add: async () => '' },
      imageRepoPrefix: 'gantry-itvol',
      live: { wake: async (appId, why) => void wakes.push(`${appId} ${why}`), hostChanged: async () => {} },
      addons: { servers, imageRef: async () => 'img', backupDir: '/nonexistent', readyTimeoutMs: 1000, installation: 'itvol', copier, standbys: {} as never, ha: {} as never, scratch: { create: async () => { throw new Error('no scratch servers here'); }, sweep: async () => 0 } },
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

  describe('volumes:move', () => {
    const dockerName = (name: string) => `gantry-itvol-v-${name}`;

    it('stops its users, copies, checks, switches to the target and removes the source copy', async () => {
      const app = await appWithWorker();
      await db.app.update({ where: { id: app.id }, data: { currentReleaseId: (await db.release.findFirstOrThrow({ where: { appId: app.id } })).id } });
      await createVolume(ctx, owner, app.name, { name: 'mv-1', host: 'host-a' });
      await mountVolume(ctx, owner, 'mv-1', { app: app.name, type: 'worker', path: '/app/data' });
      disk(hosts['host-a']!).set(dockerName('mv-1'), ['f 5 644 1000:1000 a.txt', 'd - 755 1000:1000 sub', 'f 7 600 1000:1000 sub/b']);
      users.set(dockerName('mv-1'), 3);
      wakes.length = 0;
      moveLog.length = 0;
      const r = await moveVolume(ctx, owner, 'mv-1', 'host-b');
      expect(r).toMatchObject({ volume: 'mv-1', from: 'host-a', to: 'host-b', files: 2, bytes: 12, streamBytes: 10240 });
      expect(moveLog).toEqual(['image img:1', 'copy mv-1 while movingTo is set']);
      expect(users.get(dockerName('mv-1'))).toBe(0); // it waited for the user to stop
      expect(wakes).toEqual([`${app.id} volume mv-1 is moving to host-b`, `${app.id} volume mv-1 moved to host-b`]);
      expect(await db.volume.findUniqueOrThrow({ where: { name: 'mv-1' } })).toMatchObject({ hostId: hosts['host-b'], movingTo: null });
      expect(disk(hosts['host-a']!).has(dockerName('mv-1'))).toBe(false);
      expect(disk(hosts['host-b']!).get(dockerName('mv-1'))).toHaveLength(3);
      expect((await db.auditEvent.findFirstOrThrow({ where: { action: 'volume.move', target: 'mv-1' } })).details).toEqual({ from: 'host-a', to: 'host-b', bytes: 12, files: 2 });
    });

    it('refuses the host it is on, an unknown or draining host, an add-on volume and another team', async () => {
      const app = await appWithWorker();
      await createVolume(ctx, owner, app.name, { name: 'mv-2', host: 'host-a' });
      const same = await err(moveVolume(ctx, owner, 'mv-2', 'host-a'));
      expect(same).toBeInstanceOf(InvalidInput);
      expect(same!.message).toBe('mv-2 already lives on host-a: nothing to move.');
      expect((await err(moveVolume(ctx, owner, 'mv-2', 'host-z')))!.message).toBe('No host named "host-z". Hosts: host-a, host-b.');
      expect(await err(moveVolume(ctx, stranger, 'mv-2', 'host-b'))).toBeInstanceOf(Forbidden);
      await db.host.update({ where: { id: hosts['host-b']! }, data: { draining: true } });
      try {
        expect((await err(moveVolume(ctx, owner, 'mv-2', 'host-b')))!.message).toBe('host-b is draining: nothing new is placed on it. Choose another host.');
      } finally {
        await db.host.update({ where: { id: hosts['host-b']! }, data: { draining: false } });
      }
      const server = await db.app.create({ data: { name: 'redis-it-mv', teamId: app.teamId, kind: 'addon' } });
      const data = await db.volume.create({ data: { name: 'redis-it-mv', teamId: app.teamId, hostId: hosts['host-a']!, appId: server.id, processType: 'redis', mountPath: '/data' } });
      await db.addon.create({ data: { name: 'redis-it-mv', kind: 'redis', plan: 'small', teamId: app.teamId, appId: server.id, volumeId: data.id } });
      const addonVolume = await err(moveVolume(ctx, owner, 'redis-it-mv', 'host-b'));
      expect(addonVolume).toBeInstanceOf(Conflict);
      expect(addonVolume!.message).toContain('gantry addons:move redis-it-mv --to host-b');
    });

    it('binds a volume on no host yet to the host named (no data to copy)', async () => {
      const app = await appWithWorker();
      await createVolume(ctx, owner, app.name, { name: 'mv-3' });
      expect(await moveVolume(ctx, owner, 'mv-3', 'host-b')).toMatchObject({ to: 'host-b', files: 0 });
      expect((await db.volume.findUniqueOrThrow({ where: { name: 'mv-3' } })).hostId).toBe(hosts['host-b']);
    });

    it('leaves the volume where it was when the copy fails or does not match, and says why', async () => {
      const app = await appWithWorker();
      await createVolume(ctx, owner, app.name, { name: 'mv-4', host: 'host-a' });
      await mountVolume(ctx, owner, 'mv-4', { app: app.name, type: 'worker', path: '/app/data' });
      disk(hosts['host-a']!).set(dockerName('mv-4'), ['f 5 644 1000:1000 a.txt', 'f 7 600 1000:1000 b']);
      for (const fault of ['fail', 'short'] as const) {
        copyFault = fault;
        wakes.length = 0;
        try {
          const e = await err(moveVolume(ctx, owner, 'mv-4', 'host-b'));
          expect(e).toBeInstanceOf(Unavailable);
          expect(e!.message).toMatch(/^Moving mv-4 to host-b failed: .*\. It stays on host-a; its users start there again\.$/);
          expect(e!.message).toContain(fault === 'fail' ? 'No space left on device' : 'a.txt differs or is missing on the target');
        } finally {
          copyFault = null;
        }
        expect(await db.volume.findUniqueOrThrow({ where: { name: 'mv-4' } })).toMatchObject({ hostId: hosts['host-a'], movingTo: null });
        expect(disk(hosts['host-a']!).get(dockerName('mv-4'))).toHaveLength(2);
        expect(disk(hosts['host-b']!).has(dockerName('mv-4'))).toBe(false);
        expect(wakes.at(-1)).toBe(`${app.id} moving volume mv-4 failed`);
      }
    });

    it("gives up when its users do not stop in time, and refuses a second move while one runs", async () => {
      const app = await appWithWorker();
      await createVolume(ctx, owner, app.name, { name: 'mv-5', host: 'host-a' });
      users.set(dockerName('mv-5'), 1_000_000);
      const e = await err(moveVolume(ctx, owner, 'mv-5', 'host-b', { stopTimeoutMs: 300 }));
      expect(e!.message).toBe('Moving mv-5 to host-b failed: the users of mv-5 on host-a did not stop within 0s (worker.1). It stays on host-a; its users start there again.');
      users.delete(dockerName('mv-5'));
      await db.volume.update({ where: { name: 'mv-5' }, data: { movingTo: hosts['host-b']! } });
      expect((await err(moveVolume(ctx, owner, 'mv-5', 'host-b')))!.message).toBe('mv-5 is already moving: see gantry volumes.');
      await db.volume.update({ where: { name: 'mv-5' }, data: { movingTo: null } });
    });
  });

  describe('hosts:drain of a host that holds data', () => {
    it('refuses with each volume and add-on and the command that moves it; --move moves them, then drains', async () => {
      const a = await createUser(ctx, { email: 'vol-admin@example.test', password: 'password-123', isAdmin: true });
      const admin: Actor = { userId: a.id, email: a.email, isAdmin: true };
      const hostC = (await db.host.create({ data: { name: 'host-c', dockerUrl: 'unix:///nowhere.sock', address: '10.0.0.3', cpus: 2, memoryBytes: 4294967296n } })).id;
      const app = await appWithWorker();
      await createVolume(ctx, owner, app.name, { name: 'dr-1', host: 'host-c' });
      const server = await db.app.create({ data: { name: 'redis-it-dr', teamId: app.teamId, kind: 'addon' } });
      const data = await db.volume.create({ data: { name: 'redis-it-dr', teamId: app.teamId, hostId: hostC, appId: server.id, processType: 'redis', mountPath: '/data' } });
      await db.addon.create({ data: { name: 'redis-it-dr', kind: 'redis', plan: 'small', teamId: app.teamId, appId: server.id, volumeId: data.id } });
      disk(hostC).set('gantry-itvol-v-dr-1', ['f 3 644 0:0 x']);
      disk(hostC).set('gantry-itvol-v-redis-it-dr', ['f 9 600 999:999 appendonly.aof']);

      expect(await err(drainHost(ctx, owner, 'host-c'))).toBeInstanceOf(Forbidden);
      const refused = await err(drainHost(ctx, admin, 'host-c'));
      expect(refused).toBeInstanceOf(Conflict);
      expect(refused!.message).toBe(
        'host-c holds data that does not move by itself: volume dr-1 (gantry volumes:move dr-1 --to host-a); add-on redis-it-dr (gantry addons:move redis-it-dr --to host-a). ' +
          'Move them first, or drain with --move to move them to the best other host. Nothing was drained.',
      );
      expect((await db.host.findUniqueOrThrow({ where: { id: hostC } })).draining).toBe(false);

      const { host, moved } = await drainHost(ctx, admin, 'host-c', { move: true });
      expect(host.draining).toBe(true);
      expect(moved.map((m) => [m.kind, m.volume, m.to, m.method])).toEqual([
        ['volume', 'dr-1', 'host-a', 'copy'],
        ['addon', 'redis-it-dr', 'host-a', 'copy'],
      ]);
      expect(await db.volume.count({ where: { hostId: hostC } })).toBe(0);
      expect(disk(hosts['host-a']!).get('gantry-itvol-v-redis-it-dr')).toEqual(['f 9 600 999:999 appendonly.aof']);
      // Holding nothing now: a plain drain goes through.
      await db.host.update({ where: { id: hostC }, data: { draining: false } });
      expect((await drainHost(ctx, admin, 'host-c')).moved).toEqual([]);
    });

    it("moves an HA add-on's members and etcd as volumes, never onto a host holding another of its volumes", async () => {
      const a = await createUser(ctx, { email: 'ha-admin@example.test', password: 'password-123', isAdmin: true });
      const admin: Actor = { userId: a.id, email: a.email, isAdmin: true };
      const [hostD, hostE] = await Promise.all(['host-d', 'host-e'].map(async (name) => (await db.host.create({ data: { name, dockerUrl: 'unix:///nowhere.sock', address: '10.0.0.4', cpus: 2, memoryBytes: 4294967296n } })).id));
      const app = await appWithWorker();
      const server = await db.app.create({ data: { name: 'postgres-ha-it', teamId: app.teamId, kind: 'addon' } });
      const volume = (name: string, type: string, hostId: string) => db.volume.create({ data: { name, teamId: app.teamId, hostId, appId: server.id, processType: type, mountPath: '/data' } });
      const pg1 = await volume('postgres-ha-it-data', 'pg1', hosts['host-a']!);
      await volume('postgres-ha-it-pg2-data', 'pg2', hostD!);
      await volume('postgres-ha-it-etcd-data', 'etcd', hostE!);
      await db.addon.create({ data: { name: 'postgres-ha-it', kind: 'postgres', plan: 'small', ha: true, teamId: app.teamId, appId: server.id, volumeId: pg1.id } });
      disk(hostD!).set('gantry-itvol-v-postgres-ha-it-pg2-data', ['f 8 600 999:999 pgdata/PG_VERSION']);
      disk(hostE!).set('gantry-itvol-v-postgres-ha-it-etcd-data', ['f 4 600 998:998 etcd/member']);

      // Still an add-on's data for volumes:* (the member's volume has no Addon row of its own).
      const destroy = await err(destroyVolume(ctx, owner, 'postgres-ha-it-pg2-data', 'postgres-ha-it-pg2-data'));
      expect(destroy).toBeInstanceOf(Conflict);
      expect(destroy!.message).toContain('holds the data of the add-on postgres-ha-it');
      // addons:move names the commands that move the members.
      const whole = await err(moveAddon(ctx, owner, 'postgres-ha-it', 'host-b'));
      expect(whole).toBeInstanceOf(Conflict);
      expect(whole!.message).toContain('gantry volumes:move postgres-ha-it-data --to HOST or gantry volumes:move postgres-ha-it-etcd-data --to HOST or gantry volumes:move postgres-ha-it-pg2-data --to HOST');
      // Never onto the host of another of its volumes.
      const sibling = await err(moveVolume(ctx, owner, 'postgres-ha-it-pg2-data', 'host-a'));
      expect(sibling).toBeInstanceOf(InvalidInput);
      expect(sibling!.message).toBe('host-a holds postgres-ha-it-data, another volume of the HA add-on postgres-ha-it: its members and etcd run on different hosts. Choose another host.');
      expect(await db.volume.findUniqueOrThrow({ where: { name: 'postgres-ha-it-pg2-data' } })).toMatchObject({ hostId: hostD, movingTo: null });
      // A member moves like any volume (stop, copy, switch).
      const moved = await moveVolume(ctx, owner, 'postgres-ha-it-pg2-data', 'host-b');
      expect(moved).toMatchObject({ from: 'host-d', to: 'host-b', files: 1 });
      // A drain lists them as volumes, and --move takes each to a host with none of its siblings.
      const refused = await err(drainHost(ctx, admin, 'host-e'));
      expect(refused!.message).toContain('volume postgres-ha-it-etcd-data (gantry volumes:move postgres-ha-it-etcd-data --to');
      const { moved: drained } = await drainHost(ctx, admin, 'host-e', { move: true });
      expect(drained).toHaveLength(1);
      expect(drained[0]).toMatchObject({ kind: 'volume', volume: 'postgres-ha-it-etcd-data', method: 'copy' });
      expect(['host-a', 'host-b', 'host-e']).not.toContain(drained[0]!.to);
    });
  });
});
