/**
 * Data that follows its host, on one lab of two real Docker hosts (local drained):
 *
 *   Postgres add-on on H1, the app writing rows through DATABASE_URL (every acknowledged id kept)
 *   addons:move -> H2 (streaming replication): no acknowledged write lost, the server runs on H2,
 *                   the write pause printed
 *   a volume mounted on the app's web, files written in it through the running container
 *   volumes:move -> the other host: the same files (sha256) in web's new container there
 *   hosts:drain H2 (holds data): refused with the list and the commands; --move moves both to H1
 *                   (Postgres by replication again, writes running): nothing lost, H2 draining
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AddonView, InstanceView, MoveView, VolumeView } from '@gantry/api-client';
import { connectDocker, execCapture, type Docker } from '@gantry/docker';
import { startLab, type Lab } from '@gantry/installer';
import { gantry, newUser, uniqueName, type TestUser } from './helpers/gantry';
import { push, repoFromFixture } from './helpers/git';
import { appGet, waitFor } from './helpers/http';
import { removeLabHosts } from './helpers/hosts';
import { destroyVolumeWhenFree, post, Writer } from './helpers/writes';

describe('data that follows its host', () => {
  let lab: Lab;
  let admin: TestUser;
  let names: string[] = [];
  const engines = new Map<string, Docker>();
  const app = uniqueName('mvapp');
  const files = uniqueName('files');
  let pg = '';
  let h1 = '';
  let h2 = '';
  let nextId = 1;

  const call = <T>(method: string, path: string, body?: unknown) => admin.client.request<T>(method, path, body);
  const idsOf = async () => (JSON.parse((await appGet(app, '/ids')).body) as { ids: number[] }).ids;
  const webUp = (host?: string, not?: string) =>
    waitFor(`web.1 up${host ? ` on ${host}` : ''}`, async () => {
      const list = (await admin.client.ps(app)).filter((i) => i.process === 'web.1' && i.state === 'up');
      const w = list.find((i) => (!host || i.host === host) && i.id !== not);
      return w && list.length === 1 ? w : null;
    }, 120_000, 500);
  const writesOk = () => waitFor('the app to write to its database', async () => (await post(app, `/write?id=${nextId++}`)).status === 200, 120_000, 500);

  async function inWeb(w: InstanceView, argv: string[]): Promise<string> {
    const engine = engines.get(w.host!)!;
    const [c] = await engine.listContainers({ filters: { label: [`gantry.alloc.id=${w.id}`] } });
    if (!c) throw new Error(`no container for ${w.id} on ${w.host}`);
    const r = await execCapture(engine, engine.getContainer(c.Id), argv);
    if (r.exitCode !== 0) throw new Error(`${argv.join(' ')} exited with ${r.exitCode}: ${r.stdout}`);
    return r.stdout;
  }

  /** Moves the add-on while the Writer writes; every acknowledged id must be in the database after. */
  async function moveWhileWriting(move: () => Promise<unknown>, what: string): Promise<unknown> {
    const writer = new Writer(app, nextId);
    await waitFor('some acknowledged writes', async () => writer.acked.length >= 20, 30_000, 100);
    const result = await move();
    await waitFor('writes after the move', async () => writer.acked.length > 0 && Date.now() - writer.at.at(-1)! < 1000 && writer.acked.length >= 40, 120_000, 200);
    await writer.stop();
    nextId = writer.acked.at(-1)! + 1_000;
    const held = new Set(await idsOf());
    const lost = writer.acked.filter((id) => !held.has(id));
    console.info(`${what}: ${writer.acked.length} acknowledged writes, ${lost.length} lost; longest time without an acknowledged write ${writer.pause().toFixed(2)} s`);
    expect(lost, `acknowledged writes lost by ${what}`).toEqual([]);
    return result;
  }

  beforeAll(async () => {
    lab = await startLab({ prefix: 'amv', count: 2 });
    names = lab.hosts.map((h) => h.name);
    admin = await newUser('mv-admin', { admin: true });
    for (const h of lab.hosts) {
      await admin.client.addHost({ name: h.name, dockerUrl: h.dockerUrl, address: h.address, cpus: 2, memory: '4g', insecure: true });
      engines.set(h.name, connectDocker(h.dockerUrl));
    }
    await admin.client.drainHost('local');
    await waitFor('the lab hosts to be up', async () => (await admin.client.hosts()).filter((h) => names.includes(h.name) && h.status === 'up').length === 2, 60_000);
    await admin.client.createApp(app);
    const pushed = await push(await repoFromFixture('pg-counter'), app, admin.token);
    expect(pushed.code, pushed.output).toBe(0);
  }, 300_000);

  afterAll(async () => {
    await admin?.client.destroyApp(app, app).catch(() => {});
    if (pg) await admin?.client.destroyAddon(pg, pg).catch((e: Error) => console.warn(`destroying ${pg}: ${e.message}`));
    if (admin) await destroyVolumeWhenFree(admin.client, files);
    if (admin && names.length) await removeLabHosts(admin.client, names);
    await lab?.stop();
  }, 240_000);

  it('moves a Postgres add-on to the other host by streaming replication while the app writes: no acknowledged write lost', async () => {
    await admin.client.createAddon(app, { kind: 'postgres' });
    const [addon] = (await admin.client.addons(app)) as AddonView[];
    pg = addon!.name;
    h1 = addon!.host!;
    h2 = names.find((n) => n !== h1)!;
    expect(names).toContain(h1);
    await writesOk();

    const moved = (await moveWhileWriting(() => admin.client.moveAddon(pg, h2), `addons:move ${h1} -> ${h2}`)) as MoveView;
    expect(moved).toMatchObject({ name: pg, from: h1, to: h2, method: 'replication' });
    console.info(`addons:move: standby caught up in ${(moved.copyMs / 1000).toFixed(1)} s; writes stopped for ${(moved.stoppedMs / 1000).toFixed(1)} s before the server's start on ${h2}`);
    expect((await admin.client.addon(pg)).host).toBe(h2);
    const ps = await admin.client.ps(pg);
    expect(ps.filter((i) => i.state === 'up').map((i) => i.host)).toEqual([h2]);
    // The old copy is gone from H1.
    const old = await engines.get(h1)!.getVolume(addon!.volume).inspect().then(() => 'there', (e: { statusCode?: number }) => e.statusCode);
    expect(old).toBe(404);
  }, 240_000);

  it("moves a volume's files to the other host with volumes:move", async () => {
    await call<VolumeView>('POST', `/apps/${app}/volumes`, { name: files });
    await call<VolumeView>('POST', `/volumes/${files}/mount`, { app, type: 'web', path: '/app/data' });
    const before = await waitFor('web.1 on its volume', async () => {
      const v = (await call<VolumeView[]>('GET', `/apps/${app}/volumes`))[0];
      const list = (await admin.client.ps(app)).filter((i) => i.process === 'web.1' && i.state === 'up');
      return v?.host && list.length === 1 && list[0]!.host === v.host ? list[0] : null;
    }, 120_000, 500);
    await inWeb(before, ['sh', '-c', 'echo kept > /app/data/proof.txt && mkdir -p /app/data/sub && head -c 100000 /dev/urandom > /app/data/sub/blob']);
    const sum = await inWeb(before, ['sha256sum', '/app/data/proof.txt', '/app/data/sub/blob']);
    const to = names.find((n) => n !== before.host)!;

    const t0 = Date.now();
    const moved = await call<MoveView>('POST', `/volumes/${files}/move`, { to });
    expect(moved).toMatchObject({ name: files, from: before.host, to, method: 'copy', files: 2 });
    const after = await webUp(to, before.id);
    console.info(`volumes:move: copy ${(moved.copyMs / 1000).toFixed(1)} s, users stopped ${(moved.stoppedMs / 1000).toFixed(1)} s before the switch; web.1 up on ${to} ${((Date.now() - t0) / 1000).toFixed(1)} s after the request`);
    expect(await inWeb(after, ['sha256sum', '/app/data/proof.txt', '/app/data/sub/blob'])).toBe(sum);
    expect((await call<VolumeView[]>('GET', `/apps/${app}/volumes`))[0]).toMatchObject({ host: to, movingTo: null });
    const same = await call('POST', `/volumes/${files}/move`, { to }).then(() => null, (e: { status: number; message: string }) => e);
    expect(same).toMatchObject({ status: 422, message: `${files} already lives on ${to}: nothing to move.` });
  }, 240_000);

  it('refuses to drain a host that holds data, naming each and the command; with --move moves them and drains', async () => {
    // Put both on H2 (the volume may be on H1 after the previous test).
    const v = (await call<VolumeView[]>('GET', `/apps/${app}/volumes`))[0]!;
    if (v.host !== h2) await call('POST', `/volumes/${files}/move`, { to: h2 });
    await webUp(h2);
    await writesOk();

    const refused = await call('POST', `/hosts/${h2}/drain`).then(() => null, (e: { status: number; message: string }) => e);
    expect(refused?.status).toBe(409);
    expect(refused?.message).toContain(`add-on ${pg} (gantry addons:move ${pg} --to ${h1})`);
    expect(refused?.message).toContain(`volume ${files} (gantry volumes:move ${files} --to ${h1})`);
    expect(refused?.message).toContain('Nothing was drained.');
    expect((await admin.client.hosts()).find((h) => h.name === h2)?.draining).toBe(false);

    const drained = (await moveWhileWriting(() => admin.client.drainHost(h2, { move: true }), `hosts:drain ${h2} --move`)) as { draining: boolean; moved: MoveView[] };
    expect(drained.draining).toBe(true);
    expect(drained.moved.map((m) => [m.name, m.to, m.method]).sort()).toEqual([[files, h1, 'copy'], [pg, h1, 'replication']].sort());
    expect((await admin.client.addon(pg)).host).toBe(h1);
    const web = await webUp(h1);
    expect((await inWeb(web, ['cat', '/app/data/proof.txt'])).trim()).toBe('kept');
  }, 300_000);
});
