/**
 * The git service: smart HTTP for pushes and fetches, plus the internal endpoint its
 * pre-receive hook calls. Thin trigger: it stores the pushed source, creates the build and
 * relays the output; building and deploying happen elsewhere.
 *
 *   git push ──> :7070 (auth, authz) ──> node-git-server ──> git receive-pack
 *                                                              └─ pre-receive hook ──unix socket──> hook server
 *                                                                  (archive, build job, relay output)
 */
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '@gantry/config';
import { connectDb } from '@gantry/db';
import { JobQueues } from '@gantry/jobs';
import { connectRedis, keysFor, startHeartbeat } from '@gantry/live';
import { createLogger, type StopService } from '@gantry/log';
import { createHookServer } from './hook-server';
import { createGitHttpServer } from './http-server';
import { PushRegistry } from './pushes';
import { Repos } from './repos';

const HOOK_SCRIPT = resolve(dirname(fileURLToPath(import.meta.url)), '../hook/pre-receive.mjs');

export async function startGit(): Promise<StopService> {
  const config = loadConfig(process.env);
  const log = createLogger('git', config.GANTRY_LOG_LEVEL);
  // Deadlines: a push that meets an outage says so (hook-server) instead of hanging.
  const db = connectDb(config.DATABASE_URL, { statementMs: 5000, onIdleError: (err) => log.warn(`postgres connection lost: ${err.message}`) });
  const redis = connectRedis(config.REDIS_URL, 'gantry-git', { kind: 'request' });
  const keys = keysFor(config.GANTRY_INSTANCE);
  const queues = new JobQueues(redis, config.GANTRY_INSTANCE);
  const ctx = { db, queues, imageRepoPrefix: `gantry-${config.GANTRY_INSTANCE}` };
  const registry = new PushRegistry();
  const repos = new Repos(config.paths.repos, HOOK_SCRIPT);
  await mkdir(config.paths.repos, { recursive: true });
  await mkdir(config.paths.run, { recursive: true });

  // The hook runs as a child of git receive-pack, which inherits this environment.
  const hookSocket = join(config.paths.run, `git-hook-${process.pid}.sock`);
  await rm(hookSocket, { force: true });
  process.env.GANTRY_HOOK_SOCKET = hookSocket;
  process.env.GANTRY_HOOK_SECRET = config.GANTRY_SECRET;

  const hookServer = createHookServer({
    config,
    ctx,
    queues,
    redis,
    blockingRedis: () => connectRedis(config.REDIS_URL, 'gantry-git-relay'),
    keys,
    registry,
    log,
  });
  await new Promise<void>((r) => hookServer.listen(hookSocket, r));

  const { server } = createGitHttpServer({ ctx, repos, registry, log, maxPushBytes: config.GANTRY_MAX_PUSH_SIZE });
  server.requestTimeout = 0; // a push lasts as long as its build and deploy
  await new Promise<void>((r) => server.listen(config.GANTRY_GIT_PORT, config.GANTRY_BIND, r));
  const stopHeartbeat = startHeartbeat(redis, keys, 'git');
  log.info(`git over HTTP on ${config.urls.git}/<app>.git`);

  const shutdown = async () => {
    log.info('shutting down');
    server.close();
    hookServer.close();
    await stopHeartbeat();
    await rm(hookSocket, { force: true });
    await queues.close();
    await db.$disconnect();
    redis.disconnect();
  };
  return shutdown;
}
