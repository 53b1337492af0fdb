/**
 * Issue 17's proof by running it: the test Gantry's supervisor started again inside a memory
 * cgroup limited to 1 GB, so that it and everything it starts (all of Gantry's services and the
 * local agent, and what they run, e.g. the git receiver's `git`) are charged there from their
 * first byte, with Postgres, Redis and Docker outside it as on a 1 GB VPS; then the golden path
 * through the real CLI and git: create an app, push, serve, scale, logs. Nothing may be killed for
 * memory and no service restart. The peak is printed (the budget itself is bench:footprint's).
 * Gantry stays in the cgroup for the files that follow; the cgroup is reused by the next run.
 */
import { readFile, rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@gantry/config';
import { startSupervisor, stopSupervisor, supervisorPid, waitHealthy } from '@gantry/installer';
import { ensureServicesBuild } from '@gantry/supervisor/build';
import { cliUser, gantryCli, type CliUser } from './helpers/cli';
import { gantry, uniqueName } from './helpers/gantry';
import { pushTimed, repoFromFixture } from './helpers/git';
import { appGet, waitFor } from './helpers/http';
import { MemoryCgroup, processTree } from './helpers/memory-cgroup';

const GB = 1024 ** 3;
const mb = (b: number) => `${(b / 2 ** 20).toFixed(0)} MB`;

describe('Gantry within 1 GB of memory', () => {
  let cgroup: MemoryCgroup;
  let u: CliUser;
  /** gantryd and the services it runs (Node processes), once healthy inside the cgroup. */
  const services: number[] = [];
  const app = uniqueName('onegb');

  beforeAll(async () => {
    const env = { ...process.env, ...gantry().env };
    const config = loadConfig(env);
    cgroup = await MemoryCgroup.create(`gantry-${gantry().instance}-1gb`, GB);
    await stopSupervisor(config);
    startSupervisor(config, env, (await ensureServicesBuild()).dist, { memoryCgroup: cgroup.path });
    await waitHealthy(config, 120_000, () => {});
    for (const pid of await processTree(supervisorPid(config)!)) {
      if ((await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).includes('node')) services.push(pid);
    }
    u = await cliUser('onegb');
  }, 180_000);

  afterAll(async () => {
    if (u) {
      await gantryCli(u.home, ['apps:destroy', app, '--confirm', app]).catch(() => {});
      await rm(u.home, { recursive: true, force: true });
    }
  });

  it('runs the golden path with every Gantry process inside the limit', async () => {
    // gantryd, front, control, router and the local agent, all inside.
    expect(services.length, `processes: ${services.join(' ')}`).toBeGreaterThanOrEqual(5);
    const inside = new Set(await cgroup.pids());
    for (const pid of services) expect(inside.has(pid), `process ${pid} is not in the cgroup`).toBe(true);
    const atStart = await cgroup.use();

    expect((await gantryCli(u.home, ['apps:create', app])).code).toBe(0);
    const pushed = await pushTimed(await repoFromFixture('node-app'), app, u.user.token);
    expect(pushed.code, pushed.output).toBe(0);
    expect(pushed.output).toContain('deployed');
    expect((await appGet(app)).status).toBe(200);

    const scaled = await gantryCli(u.home, ['ps:scale', 'web=2', '-a', app]);
    expect(scaled.code, scaled.stderr).toBe(0);
    const dynos = new Set<string>();
    await waitFor('both instances answering', async () => {
      const res = await appGet(app);
      if (res.status === 200) dynos.add((JSON.parse(res.body) as { dyno: string }).dyno);
      return dynos.has('web.1') && dynos.has('web.2');
    }, 120_000, 100);

    const logs = await waitFor("the requests in the app's log", async () => {
      const l = await gantryCli(u.home, ['logs', '-n', '200', '-a', app]);
      return l.code === 0 && /path="\/" .*dyno=web\.2/.test(l.stdout) ? l.stdout : null;
    }, 30_000, 1000);
    expect(logs).toMatch(/path="\/" .*dyno=web\.1/);

    const use = await cgroup.use();
    console.log(
      `Gantry's processes in a 1 GB memory cgroup: ${mb(atStart.nowBytes)} when healthy, peak ${mb(use.maxBytes)} through ` +
        `create/push/serve/scale/logs, ${mb(use.nowBytes)} after; limit hit ${use.limitHits} times, OOM kills ${use.oomKills}`,
    );
    expect(use.oomKills).toBe(0);
    // Every process is still the one that started: no service was killed and came back.
    const after = new Set(await cgroup.pids());
    for (const pid of services) expect(after.has(pid), `process ${pid} is gone (killed?)`).toBe(true);
  });
});
