/**
 * app.json env is there at build time, as on Heroku: a buildpack build of a new app sees the
 * defaults and the generated secret in ENV_DIR, and the release runs with that same secret. The
 * real build processor against real Docker, Redis and a fresh database, with a test buildpack
 * (test/fixtures/env-probe-buildpacks) that prints what it sees (a secret only as its SHA-256).
 */
import { createHash } from 'node:crypto';
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
import { deleteRedisKeys, removeDockerObjects } from '@gantry/installer';
import { migratedDatabase } from './helpers/scratch-db';
import { BuildOutput, connectRedis, keysFor } from '@gantry/live';
import { createLogger } from '@gantry/log';
import { processBuild } from '../../apps/builder/src/process-build';

const run = promisify(execFile);
const FIXTURES = resolve(import.meta.dirname, '../fixtures');
const INSTANCE = 'it-manifest-env';

describe('app.json env at build time', () => {
  let home: string;
  let config: Config;
  let db: Db;
  let ctx: Ctx;
  const redis = connectRedis(loadConfig(process.env).REDIS_URL, 'manifest-build-env-test');
  const docker = connectDocker(loadConfig(process.env).DOCKER_HOST);

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'gantry-manifest-env-'));
    const base = loadConfig(process.env);
    config = loadConfig({
      ...process.env,
      GANTRY_HOME: home,
      GANTRY_INSTANCE: INSTANCE,
      DATABASE_URL: await migratedDatabase('gantry_it_manifest_env'),
      GANTRY_SECRET: base.GANTRY_SECRET,
      GANTRY_BUILDPACKS_DIR: join(FIXTURES, 'env-probe-buildpacks'),
      GANTRY_BUILDPACKS: 'env-probe',
    });
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

  it('shows the buildpack the defaults and the secret the release then runs with', async () => {
    const user = await createUser(ctx, { email: `t-env-${Date.now()}@example.test`, password: 'password-123' });
    const app = await createApp(ctx, { userId: user.id, email: user.email, isAdmin: false }, {});
    const repo = await mkdtemp(join(tmpdir(), 'gantry-manifest-env-repo-'));
    await cp(join(FIXTURES, 'app-json-buildpack'), repo, { recursive: true });
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
    await rm(repo, { recursive: true, force: true });

    const record = await db.build.findUniqueOrThrow({ where: { id: build.id } });
    expect(record.status, record.log ?? '').toBe('succeeded');
    const stored = (await db.app.findUniqueOrThrow({ where: { id: app.id } })).config as Record<string, string>;
    expect(stored).toEqual({ GREETING: 'from-app-json', SESSION_SECRET: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const digest = createHash('sha256').update(stored.SESSION_SECRET!).digest('hex');
    expect(record.log).toContain('env-probe: GREETING=from-app-json');
    expect(record.log).toContain(`env-probe: SESSION_SECRET sha256 ${digest}`);
    expect(record.log).toContain('app.json: set GREETING (default), SESSION_SECRET (generated)');
    expect(record.log).not.toContain(stored.SESSION_SECRET);
    const release = await db.release.findFirstOrThrow({ where: { appId: app.id } });
    expect(release.config).toEqual(stored);
  });
});
