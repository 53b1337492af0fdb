/**
 * An HA Postgres add-on on a lab of three real Docker hosts (local drained):
 *
 *   H0: the app's web (pinned there) and, by elimination, the add-on's etcd
 *   H1, H2: the two Postgres members (the add-on's constraint keeps them off H0)
 *
 *   addons:create postgres --ha ─▶ a leader, a synchronous standby on the other host, etcd on the third
 *   the app writes through DATABASE_URL (every acknowledged id kept) ─▶ the leader's host is killed
 *        ─▶ Patroni promotes the standby, <addon>.internal follows: no acknowledged write lost
 *   the dead host boots again ─▶ its member rejoins as the synchronous standby
 *   backups run in the leader; addons:move is refused with the commands that move members, and
 *   hosts:drain of a member's host lists its volume; pg:credentials:rotate through both members;
 *   addons:destroy: a final backup from the leader, then the three volumes go from their hosts
 */
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AddonView } from '@gantry/api-client';
import { connectDocker } from '@gantry/docker';
import { startLab, type Lab } from '@gantry/installer';
import { ARTIFACTS, launchChromium, login, shot } from './helpers/browser';
import { gantry, newUser, uniqueName, type TestUser } from './helpers/gantry';
import { push, repoFromFixture } from './helpers/git';
import { appGet, waitFor } from './helpers/http';
import { removeLabHosts } from './helpers/hosts';
import { post, Writer } from './helpers/writes';

describe('HA Postgres: a synchronous standby promoted when the primary host is lost', () => {
  let lab: Lab;
  let admin: TestUser;
  let names: string[] = [];
  const app = uniqueName('haapp');
  let pg = '';
  let h0 = '';
  let nextId = 1;

  const idsOf = async () => (JSON.parse((await appGet(app, '/ids')).body) as { ids: number[] }).ids;
  const writesOk = () => waitFor('the app to write to its database', async () => (await post(app, `/write?id=${nextId++}`)).status === 200, 120_000, 500);
  const cluster = async () => (await admin.client.addon(pg)).ha!;
  const hostOf = (ha: NonNullable<AddonView['ha']>, member: string | null) => ha.members.find((m) => m.name === member)?.host ?? null;

  beforeAll(async () => {
    lab = await startLab({ prefix: 'aha', count: 3 });
    names = lab.hosts.map((h) => h.name);
    h0 = names[0]!;
    admin = await newUser('ha-admin', { admin: true });
    for (const h of lab.hosts) await admin.client.addHost({ name: h.name, dockerUrl: h.dockerUrl, address: h.address, cpus: 2, memory: '4g', insecure: true });
    await admin.client.drainHost('local');
    await waitFor('the lab hosts to be up', async () => (await admin.client.hosts()).filter((h) => names.includes(h.name) && h.status === 'up').length === 3, 60_000);
    await admin.client.createApp(app);
    const pushed = await push(await repoFromFixture('pg-counter'), app, admin.token);
    expect(pushed.code, pushed.output).toBe(0);
    await admin.client.setConstraints(app, 'web', [`gantry.host=${h0}`]);
    await waitFor(`web.1 up on ${h0}`, async () => {
      const list = await admin.client.ps(app);
      return list.length === 1 && list[0]!.state === 'up' && list[0]!.host === h0;
    }, 120_000, 500);
  }, 300_000);

  afterAll(async () => {
    await admin?.client.destroyApp(app, app).catch(() => {});
    // Every add-on of the user, also one whose creation timed out: its volumes on the lab hosts
    // would make their removal refuse (and leave them in the swarm).
    for (const a of (await admin?.client.allAddons().catch(() => [])) ?? []) {
      await admin.client
        .destroyAddon(a.name, a.name)
        .catch(() => admin.client.request('DELETE', `/addons/${a.name}?confirm=${a.name}&withoutBackup=1`)) // no leader left to back up
        .catch((e: Error) => console.warn(`destroying ${a.name}: ${e.message}`));
    }
    if (admin && names.length) await removeLabHosts(admin.client, names);
    await lab?.stop();
  }, 240_000);

  it('creates two members on two hosts, one streaming synchronously to the leader, and etcd on the third', async () => {
    const t0 = Date.now();
    const change = await admin.client.createAddon(app, { kind: 'postgres', ha: true, constraints: [`gantry.host!=${h0}`] });
    pg = change.addon.name;
    console.info(`addons:create postgres --ha: ${((Date.now() - t0) / 1000).toFixed(1)} s until the app's release`);
    const ha = change.addon.ha!;
    expect(ha.leader).toMatch(/^pg[12]\.1$/);
    const hosts = Object.fromEntries(ha.members.map((m) => [m.type, m.host]));
    expect(hosts.etcd).toBe(h0);
    expect(new Set([hosts.pg1, hosts.pg2, hosts.etcd]).size).toBe(3);
    const standby = ha.members.find((m) => m.type !== 'etcd' && m.name !== ha.leader)!;
    expect(standby).toMatchObject({ role: 'replica', sync: true });
    expect(ha.members.find((m) => m.name === ha.leader)).toMatchObject({ role: 'primary' });
    expect(change.addon.host).toBe(hostOf(ha, ha.leader));
    await writesOk();
    // Backups are taken in the leader.
    const backup = await admin.client.captureBackup(pg);
    expect(backup).toMatchObject({ status: 'succeeded' });
    // Members move one at a time as volumes, never together.
    const refused = await admin.client.moveAddon(pg, names[1]!).then(() => null, (e: { status: number; message: string }) => e);
    expect(refused?.status).toBe(409);
    expect(refused?.message).toContain(`gantry volumes:move ${pg}-data --to HOST`);
    const member = ha.members.find((m) => m.type === 'pg2')!;
    const drain = await admin.client.drainHost(member.host!).then(() => null, (e: { status: number; message: string }) => e);
    expect(drain?.status).toBe(409);
    expect(drain?.message).toContain(`volume ${member.volume} (gantry volumes:move ${member.volume} --to`);
  }, 420_000);

  it("loses no acknowledged write when the primary's host is killed: the standby is promoted", async () => {
    const before = await cluster();
    const oldLeader = before.leader!;
    const dead = hostOf(before, oldLeader)!;
    expect(dead).not.toBe(h0);
    const writer = new Writer(app, nextId);
    await waitFor('some acknowledged writes', async () => writer.acked.length >= 30, 30_000, 100);
    const killedAt = Date.now();
    const ackedBefore = writer.acked.length;
    await lab.killHost(dead);
    const after = await waitFor('a new leader', async () => {
      const c = await cluster();
      return c.leader && c.leader !== oldLeader ? c : null;
    }, 120_000, 250);
    const promotedMs = Date.now() - killedAt;
    await waitFor('writes on the new leader', async () => writer.at.at(-1)! > killedAt + 500 && writer.acked.length >= ackedBefore + 100, 120_000, 200);
    await writer.stop();
    nextId = writer.acked.at(-1)! + 1_000;
    const held = new Set(await idsOf());
    const lost = writer.acked.filter((id) => !held.has(id));
    console.info(
      `HA failover (host ${dead} killed): ${after.leader} promoted ${(promotedMs / 1000).toFixed(1)} s after; ${writer.acked.length} acknowledged writes, ${lost.length} lost; ` +
        `longest time without an acknowledged write ${writer.pause().toFixed(2)} s`,
    );
    expect(lost, 'acknowledged writes lost by the failover').toEqual([]);
    expect(hostOf(after, after.leader)).not.toBe(dead);
    expect((await admin.client.addon(pg)).host).toBe(hostOf(after, after.leader));

    // The dashboard's Add-ons tab shows the new leader, and the lost member as not the primary.
    const browser = await launchChromium();
    try {
      const page = await login(await browser.newContext({ viewport: { width: 1280, height: 1000 } }), admin, `/apps/${app}/addons`);
      const table = page.locator(`[data-addon="${pg}"] [data-testid="ha-members"]`);
      await expect.poll(() => table.getAttribute('data-leader'), { timeout: 30_000 }).toBe(after.leader);
      expect(await table.locator(`[data-member="${after.leader}"]`).getAttribute('data-role')).toBe('primary');
      expect(await table.locator(`[data-member="${oldLeader}"]`).getAttribute('data-role')).not.toBe('primary');
      expect(await table.locator('tbody tr').count()).toBe(3);
      mkdirSync(ARTIFACTS, { recursive: true });
      await shot(page, 'addons-ha-failover');
    } finally {
      await browser.close();
    }
  }, 300_000);

  it('the old primary rejoins as the synchronous standby once its host is back', async () => {
    const now = await cluster();
    const dead = now.members.find((m) => m.type !== 'etcd' && m.name !== now.leader)!;
    await lab.restartHost(dead.host!);
    const back = await waitFor('the old primary to stream as the synchronous standby', async () => {
      const c = await cluster();
      const m = c.members.find((x) => x.name === dead.name);
      return m?.role === 'replica' && m.sync && c.leader === now.leader ? c : null;
    }, 180_000, 1000);
    expect(back.members.find((m) => m.name === dead.name)!.host).toBe(dead.host);
    await writesOk();
    const ids = await idsOf();
    expect(ids.length).toBeGreaterThan(60);
  }, 300_000);

  it('rotates the credentials through both members, then destroys the add-on after a final backup, its three volumes with it', async () => {
    const before = (await admin.client.config(app)).DATABASE_URL!;
    const rotated = await admin.client.rotateAddonCredentials(pg);
    expect(rotated.addon.ha!.leader).toMatch(/^pg[12]\.1$/);
    const after = (await admin.client.config(app)).DATABASE_URL!;
    expect(after).not.toBe(before);
    await writesOk();

    const volumes = (await cluster()).members.map((m) => ({ host: m.host!, docker: `gantry-${gantry().instance}-v-${m.volume}` }));
    const destroyed = await admin.client.destroyAddon(pg, pg);
    expect(destroyed.finalBackup).toMatchObject({ status: 'succeeded', trigger: 'final' });
    pg = '';
    for (const v of volumes) {
      const engine = connectDocker(lab.hosts.find((h) => h.name === v.host)!.dockerUrl);
      await waitFor(`${v.docker} removed from ${v.host}`, async () => engine.getVolume(v.docker).inspect().then(() => false, (e: { statusCode?: number }) => e.statusCode === 404), 150_000, 1000);
    }
  }, 400_000);
});
