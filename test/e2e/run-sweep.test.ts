/**
 * A `gantry run` session whose API process dies leaves no container behind: the API held the
 * one-off's lease while relaying, and the agent of its host removes one-offs whose lease expired
 * (the real API process is killed; the real agents sweep).
 */
import { spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDocker } from '@gantry/docker';
import { CLI_BIN, userEnv, cliUser, type CliUser } from './helpers/cli';
import { gantry, testDb, uniqueName } from './helpers/gantry';
import { push, repoFromFixture } from './helpers/git';
import { waitFor } from './helpers/http';

let owner: CliUser;
const app = uniqueName('sweep');

/** This app's one-off containers on every host of the installation. */
async function oneOffs(): Promise<string[]> {
  const hosts = await testDb().host.findMany();
  const names: string[] = [];
  for (const h of hosts) {
    const rows = await connectDocker(h.dockerUrl)
      .listContainers({ all: true, filters: { label: [`gantry.instance=${gantry().instance}`, 'gantry.role=run', `gantry.app=${app}`] } })
      .catch(() => []);
    names.push(...rows.map((r) => r.Names[0]!.replace(/^\//, '')));
  }
  return names;
}

beforeAll(async () => {
  owner = await cliUser('sweep');
  await owner.user.client.createApp(app);
  const pushed = await push(await repoFromFixture('dockerfile-app'), app, owner.user.token);
  expect(pushed.code, pushed.output).toBe(0);
});

afterAll(async () => {
  await owner.user.client.destroyApp(app).catch(() => {});
});

describe('one-offs of a dead API session', () => {
  it('are removed by their host agent once the lease runs out, with a line in the app log', async () => {
    const child = spawn(process.execPath, [CLI_BIN, 'run', '-a', app, '--', 'sleep', '300'], { env: userEnv(owner.home), cwd: owner.home, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    try {
      await waitFor('the one-off to be up', async () => (/up, run\.\d{4}/.test(stderr) ? true : null), 60_000);
      const [name] = await oneOffs();
      expect(name).toMatch(new RegExp(`^gantry-${gantry().instance}-${app}-run\\.\\d{4}-v1-`));

      // The API process relaying the session dies (as in a crash); the supervisor starts another.
      const redis = new Redis(gantry().redisUrl);
      try {
        const beat = JSON.parse((await redis.get(`gantry:${gantry().instance}:health:web`))!) as { pid: number };
        process.kill(beat.pid, 'SIGKILL');
      } finally {
        redis.disconnect();
      }
      expect(await exited).toBe(1);
      expect(stderr).toContain('The connection to the one-off was lost before it exited.');

      // Lease (15 s) + two of the agent's sweeps without it (every 10 s, containers older than 20 s).
      await waitFor('the orphaned one-off to be removed', async () => ((await oneOffs()).length === 0 ? true : null), 90_000);
      await waitFor('the API to come back', async () => ((await fetch(`${gantry().apiUrl}/api/v1/health`).catch(() => null))?.ok ? true : null), 60_000);
      const lines = await owner.user.client.logs(app, 200);
      expect(lines.some((l) => l.source === 'gantry' && /^run\.\d{4}$/.test(l.process) && l.line === 'Killed (session lost: the API relaying it stopped)')).toBe(true);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
