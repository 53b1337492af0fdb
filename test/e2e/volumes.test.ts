/**
 * Volumes of apps on a lab of two real Docker hosts: a worker (test/fixtures/volume-app) appends a
 * line a second to /app/data/log.txt on its volume, naming its release and container in each.
 *
 *   volumes:create data (no host) ─ mount on worker ─> worker re-placed, data bound to its host H1
 *   git push (v2), ps:restart ─> the file keeps every line; writers never interleave (one writer)
 *   volumes:create pinned --host H2 ─ mount beside data: refused (one host per type)
 *   unmount data, mount pinned ─> worker moves to H2; ps:explain says why
 *   another team: cannot see or mount them · destroy: confirm, never while mounted
 *   apps:destroy: refused without confirm, then names the kept volume; volumes destroyed last
 *
 * Called through the API (the CLI's volumes:* commands are another change).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppDestroyedView, ExplainView, InstanceView, VolumeView } from '@gantry/api-client';
import { connectDocker, execCapture, type Docker } from '@gantry/docker';
import { startLab, type Lab } from '@gantry/installer';
import { gantry, newUser, uniqueName, type TestUser } from './helpers/gantry';
import { push, repoFromFixture, writeAndCommit } from './helpers/git';
import { waitFor } from './helpers/http';
import { removeLabHosts } from './helpers/hosts';
import { destroyVolumeWhenFree } from './helpers/writes';

describe('volumes of apps across hosts', () => {
  let lab: Lab;
  let admin: TestUser;
  let stranger: TestUser;
  let names: string[] = [];
  const engines = new Map<string, Docker>();
  const app = uniqueName('vol');
  const theirs = uniqueName('vol-other');
  const data = uniqueName('data');
  const pinned = uniqueName('pinned');
  let repo = '';
  /** H1: where data got bound; H2: the other lab host, where pinned is created. */
  let h1 = '';
  let h2 = '';

  const call = <T>(who: TestUser, method: string, path: string, body?: unknown) => who.client.request<T>(method, path, body);
  const refusal = async (p: Promise<unknown>) => {
    const e = (await p.then(() => null, (err: unknown) => err)) as { status: number; message: string } | null;
    if (!e) throw new Error('expected a refusal, got a success');
    return { status: e.status, message: e.message };
  };

  /** worker.1 up (of `release` when given), on `host` when given. */
  const workerUp = (opts: { release?: number; host?: string; not?: string } = {}) =>
    waitFor(
      `worker.1 up${opts.release ? ` (v${opts.release})` : ''}${opts.host ? ` on ${opts.host}` : ''}`,
      async () => {
        const list = (await admin.client.ps(app)).filter((i) => i.process === 'worker.1' && i.state === 'up');
        const w = list.find((i) => (!opts.release || i.release === opts.release) && (!opts.host || i.host === opts.host) && i.id !== opts.not);
        return w && list.length === 1 ? w : null;
      },
      180_000,
      500,
    );

  /** The worker's container on its host (found by its allocation id). */
  async function containerOf(w: InstanceView) {
    const engine = engines.get(w.host!)!;
    const [c] = await engine.listContainers({ filters: { label: [`gantry.alloc.id=${w.id}`] } });
    if (!c) throw new Error(`no container for ${w.process} (${w.id}) on ${w.host}`);
    return { engine, container: engine.getContainer(c.Id) };
  }

  /** /app/data/log.txt as the running worker sees it. */
  async function logOf(w: InstanceView): Promise<string[]> {
    const { engine, container } = await containerOf(w);
    const r = await execCapture(engine, container, ['cat', '/app/data/log.txt']);
    if (r.exitCode !== 0) throw new Error(`cat /app/data/log.txt exited with ${r.exitCode}`);
    return r.stdout.split('\n').filter(Boolean);
  }

  /** The writers ("<release> <container>") in the order they wrote, one entry per unbroken run of lines. */
  function runs(lines: string[]): string[] {
    const out: string[] = [];
    for (const l of lines) {
      const who = l.split(' ').slice(0, 2).join(' ');
      if (out[out.length - 1] !== who) out.push(who);
    }
    return out;
  }

  /** One writer at a time: no writer writes again once another one has; times only go forward. */
  function expectOneWriterAtATime(lines: string[]): void {
    const order = runs(lines);
    expect(new Set(order).size, `writers interleaved: ${order.join(' | ')}`).toBe(order.length);
    const times = lines.map((l) => Number(l.split(' ')[3]));
    for (let i = 1; i < times.length; i++) expect(times[i]!, `line ${i + 1} written before line ${i}`).toBeGreaterThanOrEqual(times[i - 1]!);
  }

  const lineCountAtLeast = (w: InstanceView, n: number, writer?: string) =>
    waitFor(`${n}+ lines${writer ? ` from ${writer}` : ''} on the volume`, async () => {
      const lines = await logOf(w);
      return lines.filter((l) => !writer || l.startsWith(writer)).length >= n ? lines : null;
    }, 60_000, 500);

  beforeAll(async () => {
    lab = await startLab({ prefix: 'vol', count: 2 });
    names = lab.hosts.map((h) => h.name);
    admin = await newUser('vol-admin', { admin: true });
    stranger = await newUser('vol-stranger');
    for (const h of lab.hosts) {
      await admin.client.addHost({ name: h.name, dockerUrl: h.dockerUrl, address: h.address, cpus: 2, memory: '4g', insecure: true });
      engines.set(h.name, connectDocker(h.dockerUrl));
    }
    await admin.client.drainHost('local');
    await waitFor('the lab hosts to be up', async () => (await admin.client.hosts()).filter((h) => names.includes(h.name) && h.status === 'up').length === 2, 60_000);
  }, 180_000);

  afterAll(async () => {
    for (const [who, a] of [[admin, app], [stranger, theirs]] as const) await who?.client.destroyApp(a, a).catch(() => {});
    if (admin) for (const v of [data, pinned]) await destroyVolumeWhenFree(admin.client, v);
    if (admin && names.length) await removeLabHosts(admin.client, names);
    await lab?.stop();
  });

  it('mounts a volume on the worker: it is re-placed with it, the volume is bound to its host, and the app user writes to it', async () => {
    await admin.client.createApp(app);
    repo = await repoFromFixture('volume-app');
    const pushed = await push(repo, app, admin.token);
    expect(pushed.code, pushed.output).toBe(0);
    const first = await workerUp({ release: 1 });

    const created = await call<VolumeView>(admin, 'POST', `/apps/${app}/volumes`, { name: data });
    expect(created).toMatchObject({ name: data, host: null, app: null, processType: null, mountPath: null, addon: null });
    const mounted = await call<VolumeView>(admin, 'POST', `/volumes/${data}/mount`, { app, type: 'worker', path: '/app/data' });
    expect(mounted).toMatchObject({ name: data, app, processType: 'worker', mountPath: '/app/data' });
    // No release for a mount: the type is re-placed with it.
    const w = await workerUp({ release: 1, not: first.id });
    expect((await admin.client.releases(app)).length).toBe(1);

    const bound = (await call<VolumeView[]>(admin, 'GET', `/apps/${app}/volumes`)).find((v) => v.name === data)!;
    expect(bound.host).toBe(w.host);
    h1 = w.host!;
    h2 = names.find((n) => n !== h1)!;
    const explain = await call<ExplainView>(admin, 'GET', `/apps/${app}/ps/worker.1/explain`);
    expect(explain.lines[0]).toBe(`worker.1 placed on ${h1}`);
    expect(explain.lines).toContain(`  note: volume ${data} was on no host yet: it lives on ${h1} from now on (where its first user runs)`);

    // /app/data is not in the image: the app's user (uid 1000) writes to the volume all the same.
    const lines = await lineCountAtLeast(w, 3);
    expect(lines[0]).toMatch(new RegExp(`^v1 \\S+ 1 \\d{13}$`));
  });

  it('keeps the files through a redeploy and a restart, and never runs two writers at once', async () => {
    const before = await workerUp({ release: 1, host: h1 });
    const oldLines = await lineCountAtLeast(before, 3);

    await writeAndCommit(repo, 'marker.txt', 'two\n');
    const pushed = await push(repo, app, admin.token);
    expect(pushed.code, pushed.output).toBe(0);
    const v2 = await workerUp({ release: 2, host: h1 });
    let lines = await lineCountAtLeast(v2, 3, 'v2 ');
    // Every line of v1 is still there, before v2's.
    expect(lines.slice(0, oldLines.length)).toEqual(oldLines);
    expectOneWriterAtATime(lines);
    expect(runs(lines).map((r) => r.split(' ')[0])).toEqual(['v1', 'v2']);
    const at = (l: string) => Number(l.split(' ')[3]);
    const lastV1 = lines.filter((l) => l.startsWith('v1 ')).at(-1)!;
    const firstV2 = lines.find((l) => l.startsWith('v2 '))!;
    console.info(`redeploy: no line written for ${((at(firstV2) - at(lastV1)) / 1000).toFixed(1)} s between the last v1 line and the first v2 line (stop-first)`);

    await admin.client.restartInstances(app, 'worker');
    const restarted = await workerUp({ release: 2, host: h1, not: v2.id });
    const beforeRestart = lines;
    lines = await waitFor('lines from the restarted worker', async () => {
      const l = await logOf(restarted);
      return runs(l).length === 3 && l.length >= beforeRestart.length + 2 ? l : null;
    }, 60_000, 500);
    expect(lines.slice(0, beforeRestart.length)).toEqual(beforeRestart);
    expectOneWriterAtATime(lines);
    // Each container wrote one unbroken run: v1, v2, and v2 again in its new container.
    expect(runs(lines).map((r) => r.split(' ')[0])).toEqual(['v1', 'v2', 'v2']);
  });

  it('creates a volume on a named host, refuses to split a type across hosts, and moves the worker to its volume', async () => {
    const created = await call<VolumeView>(admin, 'POST', `/apps/${app}/volumes`, { name: pinned, host: h2 });
    expect(created).toMatchObject({ name: pinned, host: h2, app: null });
    const unknown = await refusal(call(admin, 'POST', `/apps/${app}/volumes`, { name: uniqueName('nowhere'), host: 'no-such-host' }));
    expect(unknown.status).toBe(422);
    expect(unknown.message).toContain('No host named "no-such-host"');

    const split = await refusal(call(admin, 'POST', `/volumes/${pinned}/mount`, { app, type: 'worker', path: '/app/more' }));
    expect(split.status).toBe(409);
    expect(split.message).toBe(
      `worker of ${app} mounts ${data}, which lives on ${h1}; ${pinned} lives on ${h2}. A process type runs on one host, so every volume it mounts must live on the same host.`,
    );

    const was = await workerUp({ host: h1 });
    expect((await call<VolumeView>(admin, 'POST', `/volumes/${data}/unmount`)).app).toBeNull();
    await call<VolumeView>(admin, 'POST', `/volumes/${pinned}/mount`, { app, type: 'worker', path: '/app/data' });
    const moved = await workerUp({ host: h2, not: was.id });
    const explain = await call<ExplainView>(admin, 'GET', `/apps/${app}/ps/worker.1/explain`);
    expect(explain.host).toBe(h2);
    expect(explain.lines[0]).toBe(`worker.1 placed on ${h2}`);
    expect(explain.lines).toContainEqual(expect.stringMatching(new RegExp(`^  ${h1}\\s+rejected by volume: volume ${pinned} lives on ${h2}$`)));
    expect(explain.lines).toContain(`  note: volume ${pinned} lives on ${h2}: worker runs there only`);
    // A fresh volume: only this worker's lines.
    const lines = await lineCountAtLeast(moved, 2);
    expect(runs(lines)).toHaveLength(1);
    // The unmounted volume keeps its data on H1.
    expect(await engines.get(h1)!.getVolume(`gantry-${gantry().instance}-v-${data}`).inspect()).toMatchObject({ Name: `gantry-${gantry().instance}-v-${data}` });
  });

  it("keeps the volumes to their team: another team's user neither sees nor mounts them", async () => {
    await stranger.client.createApp(theirs);
    expect((await call<VolumeView[]>(stranger, 'GET', '/volumes')).map((v) => v.name)).toEqual([]);
    expect((await refusal(call(stranger, 'GET', `/apps/${app}/volumes`))).status).toBe(403);
    const mount = await refusal(call(stranger, 'POST', `/volumes/${data}/mount`, { app: theirs, type: 'worker', path: '/app/data' }));
    expect(mount.status).toBe(403);
    expect((await refusal(call(stranger, 'DELETE', `/volumes/${data}?confirm=${data}`))).status).toBe(403);
    expect((await call<VolumeView[]>(admin, 'GET', '/volumes')).map((v) => v.name)).toEqual(expect.arrayContaining([data, pinned]));
  });

  it('destroys a volume only confirmed and unmounted; apps:destroy keeps the mounted one and says how to destroy it', async () => {
    const unconfirmed = await refusal(call(admin, 'DELETE', `/volumes/${data}`));
    expect(unconfirmed.status).toBe(409);
    expect(unconfirmed.message).toBe(`This destroys ${data} and every file on it (on ${h1}); it cannot be undone. To go on, pass --confirm ${data}.`);
    const mounted = await refusal(call(admin, 'DELETE', `/volumes/${pinned}?confirm=${pinned}`));
    expect(mounted.status).toBe(409);
    expect(mounted.message).toBe(`${pinned} is mounted by ${app} (worker at /app/data): unmount it first (gantry volumes:unmount ${pinned}).`);

    const refused = await refusal(admin.client.destroyApp(app));
    expect(refused.status).toBe(409);
    expect(refused.message).toContain(`${app} has data that stays when it is destroyed: volume ${pinned} (worker at /app/data, on ${h2})`);
    expect((await admin.client.appInfo(app)).name).toBe(app);

    const destroyed = (await admin.client.destroyApp(app, app)) as AppDestroyedView;
    expect(destroyed).toEqual({
      app,
      kept: { volumes: [{ name: pinned, host: h2, processType: 'worker', mountPath: '/app/data', destroy: `gantry volumes:destroy ${pinned} --confirm ${pinned}` }], addons: [] },
    });
    expect((await call<VolumeView[]>(admin, 'GET', '/volumes')).find((v) => v.name === pinned)).toMatchObject({ app: null, host: h2 });

    // Once the app's worker has stopped, the volume goes, from its host too.
    for (const [v, host] of [[pinned, h2], [data, h1]] as const) {
      await waitFor(`${v} destroyed`, async () => {
        try {
          await call(admin, 'DELETE', `/volumes/${v}?confirm=${v}`);
          return true;
        } catch (err) {
          if ((err as { status?: number; message?: string }).status === 409 && /still used by a container/.test((err as Error).message)) return null;
          throw err;
        }
      }, 60_000, 1000);
      const gone = await engines.get(host)!.getVolume(`gantry-${gantry().instance}-v-${v}`).inspect().then(() => false, (e: { statusCode?: number }) => e.statusCode === 404);
      expect(gone, `${v} removed from ${host}`).toBe(true);
    }
    expect((await call<VolumeView[]>(admin, 'GET', '/volumes')).map((v) => v.name)).not.toContain(pinned);
  });
});
