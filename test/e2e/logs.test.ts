/**
 * One log stream per app, through the real `gantry` binary: app output of every instance, router
 * lines, build output and platform events; filters; retention across deploys; and a
 * `logs --tail` that follows through a restart of the API.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogLineView } from '@gantry/api-client';
import { CLI_BIN } from './helpers/cli';
import { gantry, newUser, uniqueName, type TestUser } from './helpers/gantry';
import { push, repoFromFixture } from './helpers/git';
import { get, waitFor } from './helpers/http';

let user: TestUser;
const app = uniqueName('logs');
const host = () => `${app}.${gantry().appsDomain}`;

/** The real CLI with GANTRY_API_URL/GANTRY_TOKEN (no login needed). */
function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI_BIN, ...args], { env: cliEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

function cliEnv(): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: '/nonexistent', NO_COLOR: '1', GANTRY_API_URL: gantry().apiUrl, GANTRY_TOKEN: user.token } as unknown as NodeJS.ProcessEnv;
}

/** `gantry logs --tail --json`, running; `lines` fills as they arrive. */
function tail(args: string[] = []): { proc: ChildProcess; lines: LogLineView[]; stderr: () => string } {
  const proc = spawn(process.execPath, [CLI_BIN, 'logs', '--tail', '--json', '-n', '0', '-a', app, ...args], { env: cliEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: LogLineView[] = [];
  let stderr = '';
  proc.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  createInterface({ input: proc.stdout! }).on('line', (l) => lines.push(JSON.parse(l) as LogLineView));
  return { proc, lines, stderr: () => stderr };
}

const emit = async (tag: string, n = 1) => expect((await get(gantry().routerPort, host(), `/emit?n=${n}&tag=${tag}`)).status).toBe(200);
const tails: ChildProcess[] = [];

beforeAll(async () => {
  user = await newUser('logs');
  await user.client.createApp(app);
  expect((await push(await repoFromFixture('log-emitter'), app, user.token)).code).toBe(0);
});

afterAll(() => {
  for (const t of tails) t.kill();
});

describe('logs', () => {
  it('--tail shows app output, router lines, and scale and release events as they happen', async () => {
    const t = tail();
    tails.push(t.proc);
    // Connected once a line printed after the start comes through.
    await waitFor('the tail to connect', async () => {
      await emit('hello-tail');
      return t.lines.some((l) => l.source === 'app' && l.line.startsWith('hello-tail 1 ')) || null;
    }).catch((e: Error) => {
      throw new Error(`${e.message}; the tail said: ${t.stderr() || '(nothing)'}`);
    });
    const appLine = t.lines.find((l) => l.line.startsWith('hello-tail 1 '))!;
    expect(appLine.process).toBe('web.1');
    expect(Number.isNaN(Date.parse(appLine.time))).toBe(false);
    await waitFor('a router line', async () => t.lines.find((l) => l.source === 'router' && /^at=info method=GET path="\/emit\?n=1&tag=hello-tail" .* status=200 bytes=\d+/.test(l.line)) ?? null);

    expect((await cli(['ps:scale', 'web=2', '-a', app])).code).toBe(0);
    const scaled = await waitFor('the scale event', async () => t.lines.find((l) => l.source === 'gantry' && l.line.startsWith('Scaled to web@2:')) ?? null);
    expect(scaled.process).toBe('api');
    expect(scaled.line).toContain(`by ${user.email}`);
    await waitFor('web.2 to come up', async () => t.lines.find((l) => l.process === 'web.2' && /^State changed from \w+ to (up|healthy)/.test(l.line)) ?? null);

    expect((await cli(['config:set', 'A=1', '-a', app])).code).toBe(0);
    await waitFor('the release event', async () => t.lines.find((l) => l.source === 'gantry' && /^Release v\d+ created by .*: Set A config var/.test(l.line)) ?? null);
    expect((await cli(['ps:scale', 'web=1', '-a', app])).code).toBe(0);
  });

  it('keeps build output in the app log, and filters by source and process', async () => {
    const build = await cli(['logs', '--source', 'build', '-n', '500', '--json', '-a', app]);
    expect(build.code).toBe(0);
    const buildLines = JSON.parse(build.stdout) as LogLineView[];
    expect(buildLines.length).toBeGreaterThan(0);
    expect(buildLines.every((l) => l.source === 'build')).toBe(true);
    expect(buildLines.some((l) => l.line.includes('Successfully built'))).toBe(true);

    await emit('only-web1');
    const web1 = await waitFor('web.1 lines', async () => {
      const r = await cli(['logs', '--ps', 'web.1', '--source', 'app', '-n', '50', '--json', '-a', app]);
      const lines = JSON.parse(r.stdout) as LogLineView[];
      return lines.some((l) => l.line.startsWith('only-web1')) ? lines : null;
    });
    expect(web1.every((l) => l.process === 'web.1' && l.source === 'app')).toBe(true);

    const bad = await cli(['logs', '--source', 'nonsense', '-a', app]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('Unknown source "nonsense"');
  });

  it('still has the logs of a release after two more deploys', async () => {
    await emit('old-release-marker');
    await waitFor('the marker line', async () => ((await user.client.logs(app, 200)).some((l) => l.line.startsWith('old-release-marker')) ? true : null));
    const before = (await user.client.releases(app))[0]!.version;
    for (const v of ['B=1', 'B=2']) {
      expect((await cli(['config:set', v, '-a', app])).code).toBe(0);
    }
    const target = before + 2;
    await waitFor(`v${target} to serve`, async () => ((await user.client.appInfo(app)).release?.version === target ? true : null), 120_000);
    const r = await cli(['logs', '-n', '5000', '--json', '-a', app]);
    const lines = JSON.parse(r.stdout) as LogLineView[];
    expect(lines.some((l) => l.line.startsWith('old-release-marker 1 '))).toBe(true);
  });

  it('records a crash with its exit code and state change, and the output before it', async () => {
    const crashing = uniqueName('logs-crash');
    await user.client.createApp(crashing);
    const pushed = await push(await repoFromFixture('crash-on-boot'), crashing, user.token);
    expect(pushed.code).not.toBe(0); // the release is abandoned: nothing served before
    const lines = await waitFor('the crash lines', async () => {
      const r = await cli(['logs', '-n', '500', '--json', '-a', crashing]);
      const all = JSON.parse(r.stdout) as LogLineView[];
      return all.some((l) => l.line === 'Process exited with status 3') ? all : null;
    });
    const exited = lines.find((l) => l.line === 'Process exited with status 3')!;
    expect(exited).toMatchObject({ source: 'gantry', process: 'web.1' });
    expect(lines.some((l) => l.source === 'gantry' && /^State changed from starting to crashed/.test(l.line))).toBe(true);
    expect(lines.some((l) => l.source === 'app' && l.line === 'fatal: DATABASE_URL is not set')).toBe(true);
  });

  it('--tail follows through a restart of the API, without losing lines', async () => {
    const t = tail(['--source', 'app']);
    tails.push(t.proc);
    await waitFor('the tail to connect', async () => {
      await emit('before-restart');
      return t.lines.some((l) => l.line.startsWith('before-restart 1 ')) || null;
    });
    const redis = new Redis(gantry().redisUrl);
    try {
      const beat = JSON.parse((await redis.get(`gantry:${gantry().instance}:health:web`))!) as { pid: number };
      process.kill(beat.pid, 'SIGKILL');
      // Printed while the API is down or coming back: the tail must pick these up after reconnecting.
      await waitFor('the API to come back', async () => ((await fetch(`${gantry().apiUrl}/api/v1/health`).catch(() => null))?.ok ? true : null), 60_000);
    } finally {
      redis.disconnect();
    }
    await emit('after-restart', 3);
    // The tail shows exactly the lines the log holds: none lost, none twice (compared by id, so a
    // request the router retried, printing its lines again, does not count against the tail).
    const ids = (lines: LogLineView[]) => lines.filter((l) => l.line.startsWith('after-restart ')).map((l) => l.id);
    let stored: string[] = [];
    await waitFor(
      'lines printed after the restart',
      async () => {
        stored = ids(await user.client.logs(app, 200));
        return stored.length >= 3 && JSON.stringify(ids(t.lines)) === JSON.stringify(stored) ? true : null;
      },
      30_000,
    ).catch((e: Error) => {
      throw new Error(`${e.message}\n  stored: ${stored.join(', ')}\n  tail: ${ids(t.lines).join(', ')}\n  tail stderr: ${t.stderr()}\n  tail got: ${t.lines.map((l) => l.line).join(' | ')}`);
    });
    expect(t.stderr()).toContain('reconnecting');
    expect(t.proc.exitCode).toBeNull();
  });
});
