/**
 * Grouped containers (issue 14, "sidecars"), with the real git client, builder, scheduler, agent,
 * router and CLI. The fixture (test/fixtures/sidecar-app) declares in app.json a sidecar of web
 * that listens on 127.0.0.1:7000 only and writes a file into /scratch; the web answers what both
 * say. So an answer through the router with the sidecar's words proves the shared localhost and
 * scratch directory.
 *
 *   - push: the web answers through the router with its sidecar's data; ps shows the sidecar; the
 *     group stays within the size (the instance keeps half, the sidecar has the other half)
 *   - `docker kill` of the sidecar: it is started again (ps counts the restart), serves again
 *   - the dashboard's app page lists the sidecar under its instance, with its restarts
 *   - `docker restart` of the instance container: the sidecar is restarted with it (else it would
 *     keep the old, dead network namespace) and the web reaches it again
 *   - `gantry logs --ps web.1/helper` shows its output and only it
 *   - the agent SIGKILLed: the one started again adopts the sidecar and restarts it when it dies
 *   - scaled to zero: the sidecar and the scratch volume are removed with the instance
 *   - a bad "sidecars" entry fails the push, naming the key, and makes no release
 *   - on a lab host (a dockerd of its own, reached over tcp): the sidecar runs there too, and
 *     serves again beside its instance after that Docker daemon restarts (sidecars have no restart
 *     policy: the agent starts them again)
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InstanceView, LogLineView } from '@gantry/api-client';
import { connectDocker } from '@gantry/docker';
import { startLab, type Lab } from '@gantry/installer';
import { launchChromium, login, shot } from './helpers/browser';
import { CLI_BIN } from './helpers/cli';
import { gantry, newUser, uniqueName, type TestUser } from './helpers/gantry';
import { push, repoFromFixture, writeAndCommit } from './helpers/git';
import { removeLabHosts } from './helpers/hosts';
import { appGet, waitFor } from './helpers/http';
import { findService } from './helpers/processes';

const MB = 1024 * 1024;
const docker = connectDocker(process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock');
let user: TestUser;
const app = uniqueName('sidecar');
const badApp = uniqueName('sidecar-bad');

/** The real CLI with GANTRY_API_URL/GANTRY_TOKEN (no login needed). */
function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const env = { PATH: process.env.PATH, HOME: '/nonexistent', NO_COLOR: '1', GANTRY_API_URL: gantry().apiUrl, GANTRY_TOKEN: user.token } as unknown as NodeJS.ProcessEnv;
    const child = spawn(process.execPath, [CLI_BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

const containers = (role: 'app' | 'sidecar') =>
  docker.listContainers({ all: true, filters: { label: [`gantry.instance=${gantry().instance}`, `gantry.role=${role}`, `gantry.app=${app}`] } });

/** What the web says through the router: its sidecar's boot id (from 127.0.0.1:7000) and the one in /scratch. */
async function answer(name = app): Promise<{ sidecar: string; scratch: string } | null> {
  const res = await appGet(name).catch(() => null);
  if (!res || res.status !== 200) return null;
  const sidecar = /^sidecar=(.*)$/m.exec(res.body)?.[1] ?? 'none';
  const scratch = /^scratch=(.*)$/m.exec(res.body)?.[1] ?? 'none';
  return { sidecar, scratch };
}

/** The sidecar answers and it is the run that wrote the scratch file: "helper <boot>". */
const serving = async (name = app) => {
  const a = await answer(name);
  return a && a.sidecar.startsWith('helper ') && a.scratch === `written by ${a.sidecar}` ? a : null;
};

const web1 = async (): Promise<InstanceView | undefined> => (await user.client.ps(app)).find((i) => i.process === 'web.1' && i.state !== 'stopping');

beforeAll(async () => {
  user = await newUser('sidecars');
  await user.client.createApp(app);
  const pushed = await push(await repoFromFixture('sidecar-app'), app, user.token);
  expect(pushed.code, pushed.output).toBe(0);
});

afterAll(async () => {
  for (const a of [app, badApp]) await user?.client.destroyApp(a).catch(() => {});
});

describe('sidecars', () => {
  let firstBoot = '';

  it('runs the sidecar beside the web: localhost and /scratch shared, within the size', async () => {
    const a = await waitFor('the web to answer with its sidecar\'s data', serving, 120_000, 500);
    firstBoot = a.sidecar;
    const i = await waitFor('ps to show the sidecar running', async () => {
      const w = await web1();
      return w?.sidecars?.[0]?.state === 'running' ? w : null;
    });
    expect(i.sidecars).toEqual([expect.objectContaining({ name: 'helper', process: 'web.1/helper', state: 'running', restarts: 0 })]);

    const [inst] = await containers('app');
    const [side] = await containers('sidecar');
    const instInfo = await docker.getContainer(inst!.Id).inspect();
    const sideInfo = await docker.getContainer(side!.Id).inspect();
    expect(sideInfo.HostConfig.NetworkMode).toBe(`container:${inst!.Id}`);
    expect(sideInfo.Config.Image).toBe(instInfo.Config.Image);
    // standard-1x (512 MB, 512 shares): the instance keeps half, its one sidecar has the other half.
    expect([instInfo.HostConfig.Memory, instInfo.HostConfig.CpuShares]).toEqual([256 * MB, 256]);
    expect([sideInfo.HostConfig.Memory, sideInfo.HostConfig.CpuShares]).toEqual([256 * MB, 256]);

    const ps = await cli(['ps', '-a', app]);
    expect(ps.code, ps.stderr).toBe(0);
    expect(ps.stdout).toMatch(/web\.1\/helper\s+running/);
  });

  it('starts a killed sidecar again, and ps counts the restart', async () => {
    const [side] = await containers('sidecar');
    await docker.getContainer(side!.Id).kill();
    const t0 = Date.now();
    const a = await waitFor('a new run of the sidecar serving', async () => {
      const s = await serving();
      return s && s.sidecar !== firstBoot ? s : null;
    }, 60_000, 250);
    console.log(`[sidecars] killed sidecar serving again after ${((Date.now() - t0) / 1000).toFixed(1)} s (backoff 1 s)`);
    const i = await waitFor('ps to count the restart', async () => {
      const w = await web1();
      return w?.sidecars?.[0]?.restarts === 1 && w.sidecars[0].state === 'running' ? w : null;
    });
    expect(i.state).toBe('up');
    expect(i.restarts).toBe(0); // the instance itself did not restart
    firstBoot = a.sidecar;
    const ps = await cli(['ps', '-a', app]);
    expect(ps.stdout).toMatch(/web\.1\/helper\s+running, 1 restart\b/);
  });

  it('shows the sidecar under its instance on the dashboard', async () => {
    const browser = await launchChromium();
    try {
      const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
      const page = await login(context, user, `/apps/${app}`);
      const row = page.locator('[data-process="web.1/helper"][data-state="running"]');
      await row.waitFor({ timeout: 30_000 });
      // Process, state, (host to release, spanned), restarts.
      expect(await row.locator('td').nth(3).textContent()).toBe('1');
      await shot(page, 'sidecars');
    } finally {
      await browser.close();
    }
  });

  it('restarts the sidecar with its instance, so the web reaches it in the new network namespace', async () => {
    const [inst] = await containers('app');
    await docker.getContainer(inst!.Id).restart({ t: 1 });
    const a = await waitFor('the web reaching a new run of its sidecar', async () => {
      const s = await serving();
      return s && s.sidecar !== firstBoot ? s : null;
    }, 60_000, 250);
    expect(a.sidecar).not.toBe(firstBoot);
    await waitFor('ps to count the second restart', async () => (await web1())?.sidecars?.[0]?.restarts === 2);
  });

  it('logs the sidecar as web.1/helper, and --ps web.1/helper shows only it', async () => {
    const res = await waitFor('the sidecar lines in logs --ps web.1/helper', async () => {
      const r = await cli(['logs', '-a', app, '--ps', 'web.1/helper', '--json', '-n', '200']);
      if (r.code !== 0) throw new Error(r.stderr);
      const lines = JSON.parse(r.stdout) as LogLineView[];
      return lines.filter((l) => l.source === 'app' && l.line.includes('listening on 127.0.0.1:7000 as helper of web.1')).length >= 3 ? lines : null;
    }, 30_000, 500);
    expect(res.every((l) => l.process === 'web.1/helper')).toBe(true);
    // The restart after the kill is announced as a platform event of the sidecar.
    expect(res.some((l) => l.source === 'gantry' && /exited with status 137; starting it again in 1 s/.test(l.line))).toBe(true);
    const web = JSON.parse((await cli(['logs', '-a', app, '--ps', 'web.1', '--source', 'app', '--json', '-n', '200'])).stdout) as LogLineView[];
    expect(new Set(web.map((l) => l.process))).toEqual(new Set(['web.1', 'web.1/helper']));
    const bad = await cli(['logs', '-a', app, '--ps', 'web.1/Helper']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('a sidecar of one (web.2/metrics)');
  });

  it('adopts the sidecars after an agent restart, and still restarts one that dies', async () => {
    const agent = await findService(gantry().instance, 'agent-local');
    expect(agent, 'the local agent process').toBeDefined();
    process.kill(agent!.pid, 'SIGKILL');
    await waitFor('the agent started again', async () => {
      const p = await findService(gantry().instance, 'agent-local');
      return p && p.pid !== agent!.pid;
    }, 60_000, 250);
    const before = (await serving())?.sidecar ?? firstBoot;
    const [side] = await containers('sidecar');
    await docker.getContainer(side!.Id).kill();
    const a = await waitFor('a new run of the sidecar serving, started by the new agent', async () => {
      const s = await serving();
      return s && s.sidecar !== before ? s : null;
    }, 60_000, 250);
    expect((await containers('sidecar')).map((c) => c.Id)).toEqual([side!.Id]); // adopted, not created anew
    firstBoot = a.sidecar;
    await waitFor('ps to show it running again', async () => (await web1())?.sidecars?.[0]?.state === 'running');
  });

  it('removes the sidecar and the scratch volume with the instance', async () => {
    await user.client.updateFormation(app, { web: { quantity: 0 } });
    await waitFor('no container of the app left', async () => (await containers('app')).length === 0 && (await containers('sidecar')).length === 0, 60_000, 500);
    const scratch = async () =>
      ((await docker.listVolumes({ filters: { label: [`gantry.instance=${gantry().instance}`, 'gantry.role=scratch'] } })).Volumes ?? []).filter((v) => v.Name.includes(`-${app}-`));
    await waitFor('its scratch volume removed', async () => (await scratch()).length === 0, 10_000, 250);
  });

  it('fails a push whose sidecars repeat a name, naming the key, without a release', async () => {
    await user.client.createApp(badApp);
    const repo = await repoFromFixture('sidecar-app');
    const sidecars = { web: [{ name: 'helper', command: 'perl /srv/helper.pl' }, { name: 'helper', command: 'perl /srv/helper.pl' }] };
    await writeAndCommit(repo, 'app.json', JSON.stringify({ name: 'sidecar-app', sidecars }));
    const r = await push(repo, badApp, user.token);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain('app.json: "sidecars.web[1].name": "helper" is used twice for web.');
    expect(await user.client.releases(badApp)).toEqual([]);
  });
});

describe('sidecars on a lab host', () => {
  let lab: Lab;
  let admin: TestUser;
  let host = '';
  const labApp = uniqueName('sidecar-lab');

  beforeAll(async () => {
    lab = await startLab({ prefix: 'side', count: 1 });
    host = lab.hosts[0]!.name;
    admin = await newUser('admin', { admin: true });
    await admin.client.addHost({ name: host, dockerUrl: lab.hosts[0]!.dockerUrl, address: lab.hosts[0]!.address, cpus: 2, memory: '4g', insecure: true });
    await waitFor('the lab host to be up', async () => (await admin.client.hosts()).some((h) => h.name === host && h.status === 'up'), 60_000);
    await admin.client.createApp(labApp);
    const pushed = await push(await repoFromFixture('sidecar-app'), labApp, admin.token);
    expect(pushed.code, pushed.output).toBe(0);
    await admin.client.setConstraints(labApp, 'web', [`gantry.host=${host}`]);
  });

  afterAll(async () => {
    await admin?.client.destroyApp(labApp).catch(() => {});
    if (admin && host) await removeLabHosts(admin.client, [host]);
    await lab?.stop();
  });

  it('runs the sidecar beside its instance there, and again after the Docker daemon restarts', async () => {
    const onLab = async () => {
      const list = (await admin.client.ps(labApp)).filter((i) => i.state !== 'stopping');
      return list.length === 1 && list[0]!.host === host && list[0]!.state === 'up' ? serving(labApp) : null;
    };
    const first = await waitFor('web.1 on the lab host serving its sidecar\'s data', onLab, 120_000, 500);
    const labDocker = connectDocker(lab.hosts[0]!.dockerUrl);
    const sidecarsThere = await labDocker.listContainers({ filters: { label: [`gantry.instance=${gantry().instance}`, 'gantry.role=sidecar', `gantry.app=${labApp}`] } });
    expect(sidecarsThere).toHaveLength(1);

    const answeredAt = await lab.restartDocker(host);
    const again = await waitFor('a new run of the sidecar serving after the daemon restart', async () => {
      const s = await onLab();
      return s && s.sidecar !== first.sidecar ? s : null;
    }, 90_000, 250);
    console.log(`[sidecars] lab daemon restart: the web reached a new run of its sidecar ${((Date.now() - answeredAt) / 1000).toFixed(1)} s after Docker answered again`);
    expect(again.scratch).toBe(`written by ${again.sidecar}`);
  });
});
