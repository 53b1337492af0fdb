/**
 * A build that exceeds its time limit is stopped with a clear message, for Dockerfile builds and
 * buildpack builds alike: the real build processor against real Docker, Redis and a fresh
 * database, with a short GANTRY_BUILD_TIMEOUT.
 */
import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '@gantry/config';
import { createApp, createBuild, createUser, type Ctx } from '@gantry/control';
import { connectDb, type Db } from '@gantry/db';
import { connectDocker } from '@gantry/docker';
import { removeDockerObjects, deleteRedisKeys } from '@gantry/installer';
import { migratedDatabase } from './helpers/scratch-db';
import { BuildOutput, connectRedis, keysFor } from '@gantry/live';
import { createLogger } from '@gantry/log';
import { processBuild } from '../../apps/builder/src/process-build';

const run = promisify(execFile);
const FIXTURES = resolve(import.meta.dirname, '../fixtures');
const INSTANCE = 'it-timeout';

describe('build time limit', () => {
  let home: string;
  let config: Config;
  let db: Db;
  let ctx: Ctx;
  const redis = connectRedis(loadConfig(process.env).REDIS_URL, 'build-timeout-test');
  const docker = connectDocker(loadConfig(process.env).DOCKER_HOST);

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'gantry-timeout-'));
    const base = loadConfig(process.env);
    config = loadConfig({ ...process.env, GANTRY_HOME: home, GANTRY_INSTANCE: INSTANCE, DATABASE_URL: await migratedDatabase('gantry_it_timeout'), GANTRY_SECRET: base.GANTRY_SECRET, GANTRY_BUILD_TIMEOUT: '4s' });
    db = connectDb(config.DATABASE_URL, { max: 2 });
    // The build processor is driven directly here, so nothing consumes the queue.
    ctx = { db, queues: { add: async () => '' }, imageRepoPrefix: `gantry-${INSTANCE}` };
  });

  afterAll(async () => {
    await db?.$disconnect();
    await removeDockerObjects(docker, INSTANCE);
    await deleteRedisKeys(config.REDIS_URL, `gantry:${INSTANCE}:*`);
    redis.disconnect();
    await rm(home, { recursive: true, force: true });
  });

  async function buildFixture(fixture: string) {
    const user = await createUser(ctx, { email: `t-${fixture}-${Date.now()}@example.test`, password: 'password-123' });
    const app = await createApp(ctx, { userId: user.id, email: user.email, isAdmin: false }, {});
    const repo = await mkdtemp(join(tmpdir(), 'gantry-timeout-repo-'));
    await cp(join(FIXTURES, fixture), repo, { recursive: true, dereference: true });
    const env = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' };
    await run('git', ['init', '-q', '-b', 'main'], { cwd: repo, env });
    await run('git', ['add', '-A'], { cwd: repo, env });
    await run('git', ['commit', '-qm', 'x'], { cwd: repo, env });
    const { stdout: sha } = await run('git', ['rev-parse', 'HEAD'], { cwd: repo });
    const build = await createBuild(ctx, { appId: app.id, commitSha: sha.trim(), ref: 'refs/heads/main', userId: user.id });
    await mkdir(config.paths.sources, { recursive: true });
    const tar = execFile('git', ['archive', '--format=tar', 'HEAD'], { cwd: repo, encoding: 'buffer' });
    await new Promise<void>((ok, fail) => {
      tar.stdout!.pipe(createWriteStream(join(config.paths.sources, `${build.id}.tar`))).on('finish', ok).on('error', fail);
    });
    await processBuild({ config, ctx, docker, output: new BuildOutput(redis, keysFor(INSTANCE)), log: createLogger('test', 'error') }, build.id);
    const entries = await redis.xrange(keysFor(INSTANCE).buildLog(build.id), '-', '+');
    const end = entries.map(([, f]) => f).find((f) => f[1] === 'end');
    return { record: await db.build.findUniqueOrThrow({ where: { id: build.id } }), end: end?.[end.indexOf('v') + 1] ?? '' };
  }

  it('stops a Dockerfile build that runs too long', async () => {
    const { record, end } = await buildFixture('slow-build');
    expect(record.status).toBe('failed');
    expect(record.error).toBe('Build timed out after 4.0s and was stopped.');
    expect(end).toBe('Build failed: Build timed out after 4.0s and was stopped.');
  });

  it('stops a buildpack build that runs too long, and removes its builder container', async () => {
    const { record } = await buildFixture('slow-node-build');
    expect(record.status).toBe('failed');
    expect(record.error).toContain('timed out after 4.0s');
    // The killed builder container is removed in the background.
    for (let i = 0; i < 100; i++) {
      const left = await docker.listContainers({ all: true, filters: { label: [`gantry.instance=${INSTANCE}`, 'gantry.role=builder'] } });
      if (left.length === 0) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect.fail('the builder container was not removed');
  });
});
