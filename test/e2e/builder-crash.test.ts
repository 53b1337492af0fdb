/**
 * A builder that dies mid-build does not leave the push hanging: the supervisor restarts it,
 * the job is noticed as stalled and built again, and the push completes. Builds run in a
 * container with CPU and memory limits.
 */
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { connectDocker } from '@gantry/docker';
import { gantry, newUser, testDb, uniqueName } from './helpers/gantry';
import { pushTimed, repoFromFixture } from './helpers/git';
import { appGet, waitFor } from './helpers/http';

describe('builder crash', () => {
  it('builds again after the builder is killed mid-build, within limits', async () => {
    const docker = connectDocker(process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock');
    const redis = new Redis(gantry().redisUrl);
    try {
      const user = await newUser('crash');
      const app = uniqueName('crash');
      await user.client.createApp(app);
      const pushing = pushTimed(await repoFromFixture('slow-node-build'), app, user.token);

      const builder = await waitFor('a builder container', async () => {
        const [c] = await docker.listContainers({ filters: { label: ['gantry.role=builder', `gantry.app=${app}`] } });
        return c;
      });
      const limits = (await docker.getContainer(builder.Id).inspect()).HostConfig;
      expect(limits.Memory).toBe(2 * 1024 ** 3);
      expect(limits.NanoCpus).toBe(1.5e9);

      const build = await waitFor('the build record', () => testDb().build.findFirst({ where: { app: { name: app } } }));
      await waitFor(
        'the slow build step to start',
        async () => JSON.stringify(await redis.xrange(`gantry:${gantry().instance}:build:${build.id}:log`, '-', '+')).includes('slow build step starting'),
        90_000,
      );
      const beat = JSON.parse((await redis.get(`gantry:${gantry().instance}:health:builder`))!) as { pid: number };
      process.kill(beat.pid, 'SIGKILL');

      const pushed = await pushing;
      expect(pushed.code, pushed.output).toBe(0);
      expect(pushed.output).toContain('building again (attempt 2)');
      expect(pushed.output).toContain('slow build step done');
      expect(pushed.output).toContain('Released v1');
      expect((await appGet(app)).body).toBe('slow build app');
      const stale = await docker.listContainers({ all: true, filters: { label: ['gantry.role=builder', `gantry.app=${app}`] } });
      expect(stale).toEqual([]);
    } finally {
      redis.disconnect();
    }
  });
});
