/**
 * Issue 17's proof by running it: the test Gantry's supervisor and every process below it (all of
 * Gantry's services and agent, and what they start later, e.g. the git receiver's `git`) moved
 * into a memory cgroup limited to 1 GB, with Postgres, Redis and Docker outside it as on a 1 GB
 * VPS; then the golden path through the real CLI and git: create an app, push, serve, scale, logs.
 * Nothing may be killed for memory, and no service restarted. The peak is printed (a figure: the
 * budget itself is bench:footprint's).
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliUser, gantryCli, type CliUser } from './helpers/cli';
import { gantry, uniqueName } from './helpers/gantry';
import { pushTimed, repoFromFixture } from './helpers/git';
import { appGet, waitFor } from './helpers/http';
import { MemoryCgroup } from './helpers/memory-cgroup';

const GB = 1024 ** 3;
const mb = (b: number) => `${(b / 2 ** 20).toFixed(0)} MB`;

describe('Gantry within 1 GB of memory', () => {
  let cgroup: MemoryCgroup;
  let supervisor: number;
  let adopted: number[];
  const services: number[] = [];
  let u: CliUser;
  const app = uniqueName('onegb');

  beforeAll(async () => {
    supervisor = Number((await readFile(join(gantry().home, 'run', 'gantryd.pid'), 'utf8')).trim());
    cgroup = await MemoryCgroup.create(`gantry-e2e-1gb-${process.pid}`, GB);
    adopted = await cgroup.adopt(supervisor);
    for (const pid of adopted) if ((await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).includes('node')) services.push(pid);
    u = await cliUser('onegb');
  });

  afterAll(async () => {
    await gantryCli(u.home, ['apps:destroy', app, '--confirm', app]).catch(() => {});
    await rm(u.home, { recursive: true, force: true });
    await cgroup?.remove();
  });

  it('runs the golden path with every Gantry process inside the limit', async () => {
    // gantryd, front, control, router, the local agent (and their helpers, if any).
    expect(services.length, `adopted ${adopted.join(' ')}`).toBeGreaterThanOrEqual(5);
    expect(await cgroup.pids()).toContain(supervisor);

    expect((await gantryCli(u.home, ['apps:create', app])).code).toBe(0);
    const pushed = await pushTimed(await repoFromFixture('node-app'), app, u.user.token);
    expect(pushed.code, pushed.output).toBe(0);
    expect(pushed.output).toContain('deployed');
    const first = await appGet(app);
    expect(first.status).toBe(200);

    const scaled = await gantryCli(u.home, ['ps:scale', 'web=2', '-a', app]);
    expect(scaled.code, scaled.stderr).toBe(0);
    const dynos = new Set<string>();
    await waitFor('both instances answering', async () => {
      const res = await appGet(app);
      if (res.status === 200) dynos.add((JSON.parse(res.body) as { dyno: string }).dyno);
      return dynos.has('web.1') && dynos.has('web.2');
    }, 120_000, 100);

    const logs = await waitFor('the requests in the app\'s log', async () => {
      const l = await gantryCli(u.home, ['logs', '-n', '200', '-a', app]);
      return l.code === 0 && /path="\/" .*dyno=web\.2/.test(l.stdout) ? l.stdout : null;
    }, 30_000, 1000);
    expect(logs).toMatch(/path="\/" .*dyno=web\.1/);

    const use = await cgroup.use();
    console.log(`Gantry's processes in a 1 GB cgroup through create/push/serve/scale/logs: peak ${mb(use.maxBytes)}, now ${mb(use.nowBytes)}, limit hit ${use.limitHits} times, OOM kills ${use.oomKills}`);
    expect(use.oomKills).toBe(0);
    // Every Node process first moved in is still there: no service died and came back.
    const inside = new Set(await cgroup.pids());
    for (const pid of services) expect(inside.has(pid), `process ${pid} is gone (killed?)`).toBe(true);
    expect(use.maxBytes).toBeLessThanOrEqual(GB);
  });
});
