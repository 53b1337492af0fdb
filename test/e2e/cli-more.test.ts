/**
 * The CLI commands of issue 5 through the real `gantry` binary (own HOME and login per user):
 * `run` (one-off containers: output, exit code, config vars, stdin, buildpack and Dockerfile
 * apps), `ps:restart` and `ps:stop` (replaced instances, serving throughout), `apps:rename`
 * (URL and git remote move, pushes keep working), and another team's app refused.
 */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InstanceView } from '@gantry/api-client';
import { connectDocker } from '@gantry/docker';
import { CLI_BIN, gantryCli, run, userEnv, type CliResult, cliUser as loggedIn, type CliUser } from './helpers/cli';
import { gantry, uniqueName, type TestUser } from './helpers/gantry';
import { push, repoFromFixture, writeAndCommit } from './helpers/git';
import { appGet, get, pollWhile, waitFor } from './helpers/http';


const cleanup: string[] = [];
const apps: { name: string; owner: TestUser }[] = [];

async function cliUser(label: string): Promise<CliUser> {
  const u = await loggedIn(label);
  cleanup.push(u.home);
  return u;
}

const cli = (who: CliUser, args: string[], opts: { cwd?: string; input?: string } = {}) => gantryCli(who.home, args, opts);

async function ps(who: CliUser, app: string): Promise<InstanceView[]> {
  const r = await cli(who, ['ps', '-a', app, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as InstanceView[];
}

/** Every web instance is up, routed, and there are `count` of them. */
const allUp = (list: InstanceView[], count: number) => list.length === count && list.every((i) => i.state === 'up' && i.routed);

function expectServedThroughout(report: Awaited<ReturnType<typeof pollWhile>>): void {
  expect(report.errors).toEqual([]);
  expect(Object.keys(report.statuses)).toEqual(['200']);
  expect(report.total).toBeGreaterThan(5);
}

describe('gantry run, ps:restart, ps:stop, apps:rename', () => {
  let owner: CliUser;
  let other: CliUser;
  let app: string;
  let empty: string;
  /** The app's source, pushed before; later pushes continue its history. */
  let repo: string;

  beforeAll(async () => {
    owner = await cliUser('more');
    other = await cliUser('more-other');
    app = uniqueName('more');
    empty = uniqueName('more-empty');
    for (const name of [app, empty]) {
      await owner.user.client.createApp(name);
      apps.push({ name, owner: owner.user });
    }
    // Set before the first push, so the first release that runs has it.
    await owner.user.client.setConfig(app, { SOMEVAR: 'hello from config' });
    repo = await repoFromFixture('dockerfile-app');
    cleanup.push(repo);
    const pushed = await push(repo, app, owner.user.token);
    expect(pushed.code, pushed.output).toBe(0);
  });

  afterAll(async () => {
    for (const a of apps) await a.owner.client.destroyApp(a.name).catch(() => {});
    for (const dir of cleanup) rmSync(dir, { recursive: true, force: true });
  });

  it('run streams stdout and stderr and exits with the command\'s exit code', async () => {
    const r = await cli(owner, ['run', '-a', app, '--', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stdout).toBe('out\n');
    expect(r.stderr).toMatch(new RegExp(`Running sh -c 'echo out; echo err >&2; exit 3' on ${app}\\.\\.\\. up, run\\.\\d{4}\\n`));
    expect(r.stderr).toContain('err\n');
    expect(r.stderr).not.toContain('▸'); // the exit code is the command's, not an error of gantry

    const ok = await cli(owner, ['run', '-a', app, 'true']);
    expect(ok.code, ok.stderr).toBe(0);
  });

  it('run sees the config vars and --env, with the argv passed as is', async () => {
    const r = await cli(owner, ['run', '-a', app, '--', 'printenv', 'SOMEVAR']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('hello from config\n');

    const extra = await cli(owner, ['run', '-a', app, '--env', 'EXTRA=a b;$(x)', '--', 'sh', '-c', 'printf "<%s>" "$EXTRA" "$DYNO"']);
    expect(extra.code, extra.stderr).toBe(0);
    expect(extra.stdout).toMatch(/^<a b;\$\(x\)><run\.\d{4}>$/);
  });

  it('run pipes stdin to the command, and EOF closes it', async () => {
    const r = await cli(owner, ['run', '-a', app, '--', 'cat'], { input: 'line one\nline two\n' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('line one\nline two\n');

    const counted = await cli(owner, ['run', '-a', app, '--', 'wc', '-l'], { input: 'a\nb\nc\n' });
    expect(counted.stdout.trim()).toBe('3');
  });

  it('run is interactive with a TTY when stdin is a terminal', async () => {
    // script(1) gives the CLI a pseudo-terminal; -e returns the CLI's exit code.
    const q = (w: string) => `'${w.replace(/'/g, `'\\''`)}'`;
    const line = [process.execPath, CLI_BIN, 'run', '-a', app, '--', 'sh', '-c', 'test -t 0 && test -t 1 && echo tty-ok; exit 5'].map(q).join(' ');
    const r = await run('script', ['-qec', line, '/dev/null'], { home: owner.home, input: '' });
    expect(r.stdout).toContain('tty-ok');
    expect(r.code, r.stdout + r.stderr).toBe(5);
  });

  it('run kills and removes the container when the client goes away', async () => {
    const docker = connectDocker(process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock');
    const mine = async () =>
      docker.listContainers({ all: true, filters: { label: [`gantry.instance=${gantry().instance}`, 'gantry.role=run', `gantry.app=${app}`] } });
    // The runs above removed theirs (just after telling the client the exit code).
    await waitFor('the earlier one-offs to be removed', async () => (await mine()).length === 0, 10_000);
    const child = spawn(process.execPath, [CLI_BIN, 'run', '-a', app, '--', 'sleep', '300'], { env: userEnv(owner.home), stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    await waitFor('the one-off to be up', async () => /up, run\.\d{4}/.test(stderr) && (await mine()).length === 1);
    child.kill('SIGKILL');
    await waitFor('the one-off container to be gone', async () => (await mine()).length === 0, 20_000);
  });

  it('run works in buildpack apps too (through the same launcher as their processes)', async () => {
    const site = uniqueName('more-site');
    await owner.user.client.createApp(site);
    apps.push({ name: site, owner: owner.user });
    await owner.user.client.setConfig(site, { SOMEVAR: 'buildpack config' });
    const pushed = await push(await repoFromFixture('static-site'), site, owner.user.token);
    expect(pushed.code, pushed.output).toBe(0);
    const r = await cli(owner, ['run', '-a', site, '--', 'printenv', 'SOMEVAR']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('buildpack config\n');
    const home = await cli(owner, ['run', '-a', site, '--', 'sh', '-c', 'echo "$HOME $PWD"; exit 4']);
    expect(home.code).toBe(4);
    expect(home.stdout).toBe('/app /app\n');
  });

  it('run refuses an app without a release, clearly', async () => {
    const r = await cli(owner, ['run', '-a', empty, '--', 'true']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${empty} has no release to run yet: deploy it first (git push gantry main).`);
  });

  it('ps:restart web replaces every web instance while the app keeps serving', async () => {
    await owner.user.client.updateFormation(app, { web: { quantity: 2 } });
    const before = await waitFor('two web instances up', async () => {
      const list = await ps(owner, app);
      return allUp(list, 2) ? list : null;
    });
    let restart: CliResult | undefined;
    const oldIds = new Set(before.map((i) => i.id));
    const replaced = (async () => {
      restart = await cli(owner, ['ps:restart', 'web', '-a', app]);
      return waitFor(
        'new web instances in place of the old ones',
        async () => {
          const list = await ps(owner, app);
          return allUp(list, 2) && list.every((i) => !oldIds.has(i.id)) ? list : null;
        },
        90_000,
      );
    })();
    const report = await pollWhile(app, replaced);
    const after = await replaced;
    expect(restart!.code, restart!.stderr).toBe(0);
    expect(restart!.stderr).toContain(`Restarting all web instances of ${app}... done (web.1, web.2)`);
    expect(after.map((i) => i.process).sort()).toEqual(['web.1', 'web.2']);
    expect(after.every((i) => Date.parse(i.since) > Math.max(...before.map((b) => Date.parse(b.since))))).toBe(true);
    expectServedThroughout(report);
  });

  it('ps:stop web.1 stops it and the platform replaces it; ps:stop web says how to keep them stopped', async () => {
    const before = await ps(owner, app);
    const old = before.find((i) => i.process === 'web.1')!;
    const r = await cli(owner, ['ps:stop', 'web.1', '-a', app]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`Stopping web.1 of ${app}... done (web.1)`);
    expect(r.stderr).toContain('web.1 is replaced to keep the formation');
    await waitFor('web.1 to be replaced', async () => {
      const list = await ps(owner, app);
      const now = list.find((i) => i.process === 'web.1' && i.state === 'up');
      return allUp(list, 2) && now && now.id !== old.id && !list.some((i) => i.id === old.id);
    }, 90_000);
    expect((await appGet(app)).status).toBe(200);

    const all = await cli(owner, ['ps:stop', 'web', '-a', app]);
    expect(all.code, all.stderr).toBe(0);
    expect(all.stderr).toContain('To keep them stopped, use `gantry ps:scale web=0`.');
    await waitFor('the web instances to come back', async () => allUp(await ps(owner, app), 2), 90_000);

    const bad = await cli(owner, ['ps:stop', 'worker.1', '-a', app]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('runs no worker instances');
  });

  it('apps:rename moves the URL and the git remote; pushes keep working', async () => {
    const remote = await cli(owner, ['git:remote', '-a', app], { cwd: repo });
    expect(remote.code, remote.stderr).toBe(0);

    const taken = await cli(owner, ['apps:rename', empty], { cwd: repo });
    expect(taken.code).toBe(1);
    expect(taken.stderr).toContain(`The name "${empty}" is already taken.`);
    const invalid = await cli(owner, ['apps:rename', 'Bad_Name'], { cwd: repo });
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain('Invalid app name');

    const newName = uniqueName('renamed');
    const r = await cli(owner, ['apps:rename', newName], { cwd: repo });
    expect(r.code, r.stderr).toBe(0);
    apps.find((a) => a.name === app)!.name = newName;
    const oldName = app;
    app = newName;
    const gitUrl = r.stdout.trim().split(' | ')[1]!;
    expect(gitUrl).toMatch(new RegExp(`^http://[^/]+/${newName}\\.git$`));
    expect(r.stderr).toContain(`Git remote gantry updated → ${gitUrl}`);
    const url = await run('git', ['remote', 'get-url', 'gantry'], { home: owner.home, cwd: repo });
    expect(url.stdout.trim()).toBe(gitUrl);

    const oldHost = `${oldName}.${gantry().appsDomain}`;
    const newHost = `${newName}.${gantry().appsDomain}`;
    await waitFor('the new hostname to route', async () => (await get(gantry().routerPort, newHost)).status === 200);
    await waitFor('the old hostname to stop routing', async () => (await get(gantry().routerPort, oldHost)).status === 404);
    expect((await cli(owner, ['apps:info', '-a', oldName])).code).toBe(1);

    // git push through the CLI's credential helper, to the new name.
    await writeAndCommit(repo, 'server.pl', readFileSync(`${repo}/server.pl`, 'utf8').replace('hello from the Dockerfile app', 'hello after the rename'));
    const pushed = await run('git', ['push', 'gantry', 'main'], { home: owner.home, cwd: repo });
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(pushed.stderr).toContain(`${newName}.${gantry().appsDomain}`);
    await waitFor('the pushed release to serve', async () => (await get(gantry().routerPort, newHost)).body.includes('hello after the rename'));
    const info = await cli(owner, ['apps:info', '--json'], { cwd: repo });
    expect(JSON.parse(info.stdout).name).toBe(newName);
    expect(JSON.parse(info.stdout).release.version).toBeGreaterThanOrEqual(3);
  });

  it('refuses another team\'s app (403, exit code 1)', async () => {
    for (const args of [
      ['run', '-a', app, '--', 'true'],
      ['ps:restart', '-a', app],
      ['ps:stop', 'web.1', '-a', app],
      ['apps:rename', uniqueName('stolen'), '-a', app],
    ]) {
      const r = await cli(other, args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toMatch(/You do not have (write|admin) access to the app/);
    }
    const direct = await other.user.client.restartInstances(app).catch((e: { status: number }) => e.status);
    expect(direct).toBe(403);
  });
});
