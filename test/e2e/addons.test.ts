/**
 * Add-ons end to end, on this machine's engine (the lab of hosts serves the move and drain checks
 * elsewhere): `addons:create postgres` gives an app DATABASE_URL in a release whose release phase
 * migrates; every acknowledged write survives a redeploy, a restart and `docker kill` of the
 * server; a backup, a dropped table and a restore bring the rows back; the download is a real
 * pg_dump file; a backup that cannot be written is reported everywhere (CLI exit code, the
 * backup list, the app's log and its drain); another team can neither use nor reach the server;
 * Redis keeps a key through a kill; destroy asks for the name and takes a final backup first.
 */
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDocker } from '@gantry/docker';
import { httpReceiver, type Receiver } from '../integration/drain-receivers';
import { cliUser, gantryCli, type CliUser } from './helpers/cli';
import { allowLoopbackCollectors } from './helpers/egress';
import { gantry, uniqueName } from './helpers/gantry';
import { push, repoFromFixture, writeAndCommit } from './helpers/git';
import { appGet, waitFor } from './helpers/http';
import { post, Writer } from './helpers/writes';

const sh = promisify(execFile);

const session = async (from: string, url: string) => JSON.parse((await appGet(from, `/pg?url=${encodeURIComponent(url)}`)).body) as { ok: boolean; error?: string };
const idsOf = async (app: string) => (JSON.parse((await appGet(app, '/ids')).body) as { ids: number[] }).ids;

describe('add-ons: Postgres and Redis servers of a team', () => {
  let u: CliUser;
  let other: CliUser;
  let app: string;
  let second: string;
  let foreign: string;
  let repo: string;
  let pg = '';
  let redis = '';
  let drain: Receiver;
  const cli = (...args: string[]) => gantryCli(u.home, args);
  const docker = connectDocker(process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock');
  const serverContainer = async (addon: string) => (await docker.listContainers({ filters: { label: [`gantry.app=${addon}`, `gantry.instance=${gantry().instance}`] } }))[0];

  beforeAll(async () => {
    [u, other] = [await cliUser('addons'), await cliUser('addons-other')];
    app = uniqueName('pgapp');
    second = uniqueName('pgtwo');
    foreign = uniqueName('pgforeign');
    await u.user.client.createApp(app);
    await u.user.client.createApp(second);
    await other.user.client.createApp(foreign);
    repo = await repoFromFixture('pg-counter');
    for (const [a, who] of [
      [app, u],
      [second, u],
      [foreign, other],
    ] as const) {
      const pushed = await push(repo, a, who.user.token);
      expect(pushed.code, pushed.output).toBe(0);
    }
    await allowLoopbackCollectors();
    drain = await httpReceiver();
    expect((await cli('drains:add', `http://127.0.0.1:${drain.port}/logs`, '-a', app)).code).toBe(0);
  }, 300_000);

  afterAll(async () => {
    await drain?.close();
    for (const name of [pg, redis]) if (name) await cli('addons:destroy', name, '--confirm', name).catch(() => {});
    for (const who of [u, other]) {
      for (const a of await who.user.client.apps().catch(() => [])) await who.user.client.destroyApp(a.name, a.name).catch(() => {});
      rmSync(who.home, { recursive: true, force: true });
    }
  }, 180_000);

  it('provisions Postgres on a host the scheduler picks and gives the app DATABASE_URL in a release whose release phase migrates', async () => {
    const started = Date.now();
    const created = await cli('addons:create', 'postgres', '-a', app);
    expect(created.code, created.stderr + created.stdout).toBe(0);
    console.log(`addons:create postgres: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const list = (await u.user.client.addons(app)) as { name: string; state: string; host: string | null; privateName: string }[];
    expect(list).toHaveLength(1);
    pg = list[0]!.name;
    expect(pg).toMatch(/^postgres-[a-z]+-\d{4}$/);
    expect(list[0]).toMatchObject({ state: 'available', host: 'local', privateName: `${pg}.internal` });
    expect(created.stdout).toContain(pg);
    const config = await u.user.client.config(app);
    expect(config.DATABASE_URL).toMatch(new RegExp(`^postgres://u[0-9a-f]+:[0-9a-f]{64}@${pg}\\.internal:5432/d[0-9a-f]+$`));
    // The server's placement is explained like any instance's.
    const explain = await cli('ps:explain', 'postgres.1', '-a', pg);
    expect(explain.code, explain.stderr).toBe(0);
    expect(explain.stdout).toContain('local');
    await waitFor('the attach release to serve', async () => JSON.parse((await appGet(app, '/')).body).database === true, 60_000);
    expect(JSON.parse((await appGet(app, '/migrations')).body)).toEqual({ names: ['001_writes'] });
    // A daily backup at the next minute (UTC): checked near the end of this file.
    const next = new Date(Date.now() + 60_000);
    const at = `${String(next.getUTCHours()).padStart(2, '0')}:${String(next.getUTCMinutes()).padStart(2, '0')}`;
    const scheduled = await cli('pg:backups:schedule', '-a', app, '--at', at, '--keep', '2');
    expect(scheduled.code, scheduled.stderr).toBe(0);
  });

  it('loses no acknowledged write through a redeploy, a restart and docker kill of the server', async () => {
    const writer = new Writer(app, 1);
    await waitFor('some writes', async () => writer.acked.length > 20, 30_000);
    await writeAndCommit(repo, 'deploy.txt', 'redeploy\n');
    const pushed = await push(repo, app, u.user.token);
    expect(pushed.code, pushed.output).toBe(0);
    const restarted = await cli('ps:restart', '-a', pg);
    expect(restarted.code, restarted.stderr).toBe(0);
    await waitFor('the server back after the restart', async () => (await u.user.client.addon(pg)).state === 'available', 60_000);
    const before = writer.acked.length;
    await waitFor('writes after the restart', async () => writer.acked.length > before + 20, 60_000);
    const victim = await serverContainer(pg);
    expect(victim).toBeTruthy();
    await docker.getContainer(victim!.Id).kill();
    const killedAt = writer.acked.length;
    await waitFor('writes after the kill', async () => writer.acked.length > killedAt + 20, 90_000);
    await writer.stop();
    const ids = new Set(await idsOf(app));
    const lost = writer.acked.filter((id) => !ids.has(id));
    console.log(`writes: ${writer.acked.length} acknowledged, ${writer.failed} refused during the pauses, ${lost.length} lost`);
    expect(lost).toEqual([]);
  }, 300_000);

  it('backs up, and a restore brings a dropped table back; the download is a pg_dump file with its checksum', async () => {
    const count = (await idsOf(app)).length;
    const captured = await cli('pg:backups:capture', '-a', app);
    expect(captured.code, captured.stderr + captured.stdout).toBe(0);
    // The newest manual one (the daily schedule set above may have taken one already).
    const mine = (await u.user.client.backups(pg)).find((b) => b.trigger === 'manual')!;
    expect(mine).toMatchObject({ status: 'succeeded' });
    expect(captured.stdout + captured.stderr).toContain(mine.id);
    expect((await post(app, '/drop')).status).toBe(200);
    expect((await appGet(app, '/ids')).status).toBe(503);
    const restored = await cli('pg:backups:restore', mine.id, '-a', app, '--confirm', pg);
    expect(restored.code, restored.stderr + restored.stdout).toBe(0);
    expect(await idsOf(app)).toHaveLength(count);

    const dir = join(tmpdir(), uniqueName('pgdl'));
    mkdirSync(dir);
    try {
      const file = join(dir, `${mine.id}.dump`);
      const dl = await cli('pg:backups:download', mine.id, '-a', app, '-o', file);
      expect(dl.code, dl.stderr).toBe(0);
      const bytes = readFileSync(file);
      expect(bytes.subarray(0, 5).toString('latin1')).toBe('PGDMP');
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(mine.sha256);
      const listed = await sh('pg_restore', ['--list', file]).catch((e: Error & { stdout?: string }) => ({ stdout: e.stdout ?? '' }));
      expect(listed.stdout).toContain('TABLE public writes');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // psql through a one-off of the add-on on the team's network.
    const psql = await gantryCli(u.home, ['pg:psql', '-a', app], { input: 'SELECT count(*) AS n FROM writes;\n' });
    expect(psql.code, psql.stderr).toBe(0);
    expect(psql.stdout).toContain(String(count));
  }, 240_000);

  it('a backup that cannot be written fails loudly: CLI exit code, the list, the app log and its drain', async () => {
    // The store's directory for this add-on is a file: the backup cannot be written.
    const store = join(gantry().home, 'backups', pg);
    rmSync(store, { recursive: true, force: true });
    writeFileSync(store, 'not a directory\n');
    try {
      const failed = await cli('pg:backups:capture', '-a', app);
      expect(failed.code).not.toBe(0);
      const id = /(b\d{3}) of \S+ failed/.exec(failed.stderr)?.[1];
      expect(id, failed.stderr).toBeTruthy();
      const list = await cli('pg:backups', '-a', app);
      expect(list.code).not.toBe(0);
      expect(list.stdout + list.stderr).toContain('failed');
      const logs = await u.user.client.logs(app, 200);
      expect(logs.map((l) => l.line).some((l) => l.startsWith(`BACKUP FAILED: ${id} of ${pg}`))).toBe(true);
      await waitFor('the failure at the drain', async () => drain.messages.some((m) => m.includes(`BACKUP FAILED: ${id} of ${pg}`)), 30_000);
    } finally {
      rmSync(store, { force: true });
    }
  }, 120_000);

  it('another team can neither see, attach nor reach the server; a team app can share it', async () => {
    const info = await gantryCli(other.home, ['addons:info', pg]);
    expect(info.code).not.toBe(0);
    expect(info.stderr).toMatch(/do not have read access/);
    const attach = await gantryCli(other.home, ['addons:attach', pg, '-a', foreign]);
    expect(attach.code).not.toBe(0);
    // Not by name (other teams' names do not resolve) nor by its private address, even with the
    // credentials: a real Postgres session (this machine's network accepts any TCP connect).
    const url = (await u.user.client.config(app)).DATABASE_URL!;
    const ps = await u.user.client.ps(pg);
    const ip = ps[0]!.privateIp!;
    expect(ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const byIpUrl = url.replace(`@${pg}.internal:`, `@${ip}:`);
    const byName = await session(foreign, url);
    expect(byName.ok).toBe(false);
    expect(byName.error).toMatch(/ENOTFOUND|EAI_AGAIN/);
    expect((await session(foreign, byIpUrl)).ok).toBe(false);
    // The owner's app opens both (so the checks above can fail).
    expect(await session(app, url)).toEqual({ ok: true });
    expect(await session(app, byIpUrl)).toEqual({ ok: true });

    const shared = await cli('addons:attach', pg, '-a', second);
    expect(shared.code, shared.stderr).toBe(0);
    await waitFor('the shared database in the second app', async () => (await idsOf(second)).length > 0, 60_000);
    const detached = await cli('addons:detach', pg, '-a', second);
    expect(detached.code, detached.stderr).toBe(0);
    expect((await u.user.client.config(second)).DATABASE_URL).toBeUndefined();
  }, 180_000);

  it('rotates credentials through releases: the app keeps writing with the new URL', async () => {
    const before = (await u.user.client.config(app)).DATABASE_URL;
    const rotated = await cli('pg:credentials:rotate', '-a', app);
    expect(rotated.code, rotated.stderr).toBe(0);
    const after = (await u.user.client.config(app)).DATABASE_URL;
    expect(after).not.toBe(before);
    // Once the release carrying the new URL serves, a write goes through with it; the old URL is refused.
    const latest = (await u.user.client.releases(app))[0]!.version;
    await waitFor('the release with the new URL', async () => JSON.parse((await appGet(app, '/')).body).release === `v${latest}`, 90_000);
    expect((await post(app, '/write?id=900001')).status).toBe(200);
    expect(await idsOf(app)).toContain(900001);
    expect((await session(app, before!)).ok).toBe(false);
    expect(await session(app, after!)).toEqual({ ok: true });
  }, 120_000);

  it('Redis keeps a key through docker kill (append-only), and its snapshot backs up', async () => {
    const created = await cli('addons:create', 'redis', '-a', app);
    expect(created.code, created.stderr + created.stdout).toBe(0);
    redis = ((await u.user.client.addons(app)) as { name: string; kind: string }[]).find((a) => a.kind === 'redis')!.name;
    expect((await u.user.client.config(app)).REDIS_URL).toMatch(new RegExp(`^redis://default:[0-9a-f]{64}@${redis}\\.internal:6379$`));
    await waitFor('REDIS_URL in the app', async () => JSON.parse((await appGet(app, '/redis?op=set&key=k&value=kept')).body).value === 'OK', 60_000);
    const victim = await serverContainer(redis);
    await docker.getContainer(victim!.Id).kill();
    await waitFor('the key after the kill', async () => JSON.parse((await appGet(app, '/redis?key=k')).body).value === 'kept', 60_000);
    const snap = await cli('redis:backups:capture', redis);
    expect(snap.code, snap.stderr + snap.stdout).toBe(0);
    // A restore brings the snapshot's value back, and it is durable again (append-only rebuilt).
    await waitFor('a new value', async () => JSON.parse((await appGet(app, '/redis?op=set&key=k&value=changed')).body).value === 'OK', 30_000);
    const id = (await u.user.client.backups(redis))[0]!.id;
    const restored = await cli('redis:backups:restore', id, redis, '--confirm', redis);
    expect(restored.code, restored.stderr + restored.stdout).toBe(0);
    await waitFor('the restored value', async () => JSON.parse((await appGet(app, '/redis?key=k')).body).value === 'kept', 60_000);
    await docker.getContainer((await serverContainer(redis))!.Id).kill();
    await waitFor('the restored value after a kill', async () => JSON.parse((await appGet(app, '/redis?key=k')).body).value === 'kept', 60_000);
  }, 240_000);

  it('takes the scheduled backup and verifies it by a restore into a scratch server', async () => {
    const backup = await waitFor(
      'a verified scheduled backup',
      async () => (await u.user.client.backups(pg)).find((b) => b.trigger === 'scheduled' && b.verify !== null && b.verify !== 'pending'),
      150_000,
      2000,
    );
    expect(backup, JSON.stringify(backup)).toMatchObject({ status: 'succeeded', verify: 'passed' });
    console.log(`scheduled backup ${backup.id}: ${backup.verifyDetail}`);
  }, 180_000);

  it('destroy asks for the name, then takes a final backup and says where it is', async () => {
    const refused = await cli('addons:destroy', pg);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(pg);
    expect((await u.user.client.addon(pg)).name).toBe(pg);
    const destroyed = await cli('addons:destroy', pg, '--confirm', pg);
    expect(destroyed.code, destroyed.stderr).toBe(0);
    const where = /\/\S+\.dump/.exec(destroyed.stdout + destroyed.stderr);
    expect(where, destroyed.stdout).toBeTruthy();
    expect(readFileSync(where![0]).subarray(0, 5).toString('latin1')).toBe('PGDMP');
    expect((await u.user.client.config(app)).DATABASE_URL).toBeUndefined();
    pg = '';
  }, 120_000);
});
