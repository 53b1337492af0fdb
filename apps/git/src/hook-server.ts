/**
 * The internal endpoint the pre-receive hook calls (over a unix socket, with a shared secret):
 *
 *   POST /pushes               {repo, updates}  -> decide (policy), find the pusher, wait for
 *                                                  Redis if it is down (saying so), take the
 *                                                  app's push lock -> {pushId, sha} | refusal
 *                                                  (NDJSON: {t:"line"} notices, then the answer)
 *   PUT  /pushes/:id/source    tar of the commit -> store it, create the build, then stream the
 *                                                  build and deploy output back as NDJSON
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, realpath, rename, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import type { Redis } from 'ioredis';
import type { Config } from '@gantry/config';
import { createBuild, type Ctx } from '@gantry/control';
import { formatSize } from '@gantry/config';
import type { JobQueues } from '@gantry/jobs';
import { BuildOutput, Lock, isRedisOutage, type Keys } from '@gantry/live';
import { isDatabaseOutage } from '@gantry/db';
import type { Logger } from '@gantry/log';
import { decidePush, parseRefUpdates } from './policy';
import type { PushRegistry, PushSession } from './pushes';
import { relayBuild } from './relay';
import { Repos } from './repos';
import { waitForRedis } from './wait-for-redis';

export interface HookServerDeps {
  config: Config;
  ctx: Ctx;
  queues: JobQueues;
  redis: Redis;
  blockingRedis: () => Redis;
  keys: Keys;
  registry: PushRegistry;
  log: Logger;
  /** How long a push waits for an unreachable Redis before it is refused (default 60 s). */
  redisWaitMs?: number;
}

const refuse = (lines: string) => lines.split('\n').map((l) => ` !     ${l}`).join('\n');

/** The answer; after notices were streamed (status already 200), it is the last line. */
function send(res: ServerResponse, status: number, body: object): void {
  if (res.headersSent) res.end(JSON.stringify(body) + '\n');
  else res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/** What the pusher reads when a push fails on our side: an outage by name, never driver text. */
export function pushFailure(err: unknown): string {
  if (isRedisOutage(err)) return 'Gantry lost Redis while taking this push. Check `gantry releases`, then push again when Redis is back.';
  if (isDatabaseOutage(err)) return 'Gantry cannot reach Postgres. Check `gantry releases`, then push again when Postgres is back.';
  return `Gantry could not take this push: ${(err as Error).message}`;
}

async function readJson(req: IncomingMessage, limit = 1024 * 1024): Promise<Record<string, unknown>> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > limit) throw new Error('body too large');
    chunks.push(c as Buffer);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
}

export function createHookServer(deps: HookServerDeps): Server {
  const output = new BuildOutput(deps.redis, deps.keys);
  const secret = Buffer.from(deps.config.GANTRY_SECRET);
  const authorized = (req: IncomingMessage) => {
    const given = Buffer.from(String(req.headers['x-gantry-secret'] ?? ''));
    return given.length === secret.length && timingSafeEqual(given, secret);
  };

  async function startPush(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readJson(req);
    const repo = await realpath(String(body.repo ?? ''));
    const appId = Repos.appIdOf(repo);
    if (!appId) return send(res, 422, { message: refuse('This repository is not a Gantry app.') });
    let decision;
    try {
      decision = decidePush(parseRefUpdates(String(body.updates ?? '')));
    } catch (err) {
      return send(res, 422, { message: refuse(`Malformed push: ${(err as Error).message}`) });
    }
    if ('refuse' in decision) return send(res, 422, { message: refuse(decision.refuse) });
    const { newSha, ref } = decision.deploy;
    const pending = deps.registry.take(appId, newSha);
    if (!pending) return send(res, 409, { message: refuse('This push was not authenticated by Gantry; push again.') });
    const app = await deps.ctx.db.app.findUnique({ where: { id: appId } });
    if (!app) return send(res, 404, { message: refuse('This app no longer exists.') });

    // The lock, the build queue and the build output live in Redis: wait for it, saying so.
    const say = (v: string) => {
      if (!res.headersSent) res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.write(JSON.stringify({ t: 'line', v }) + '\n');
    };
    if (!(await waitForRedis(() => deps.redis.ping(), say, { maxWaitMs: deps.redisWaitMs ?? 60_000 }))) {
      return send(res, 503, { message: refuse('Gantry cannot reach Redis, so it cannot build this push.\nNothing was deployed; push again when Redis is back.') });
    }
    const lock = new Lock(deps.redis, deps.keys.pushLock(appId), 60_000);
    if (!(await lock.tryAcquire(`push of ${newSha.slice(0, 7)} by ${pending.email}`))) {
      const holder = await lock.holder();
      return send(res, 409, {
        message: refuse(`Another deploy of ${app.name} is in progress (${holder ?? 'unknown'}).\nWait for it to finish, then push again.`),
      });
    }
    const session = deps.registry.open(pending, { appName: app.name, ref, lock });
    // A hook that never sends its source must not hold the lock for long.
    setTimeout(() => {
      if (deps.registry.session(session.id) && !sourcesStarted.has(session.id)) void endSession(session);
    }, 60_000).unref();
    send(res, 200, { pushId: session.id, sha: newSha });
  }

  const sourcesStarted = new Set<string>();

  async function endSession(session: PushSession): Promise<void> {
    deps.registry.close(session.id);
    sourcesStarted.delete(session.id);
    // Hold the lock until git has updated (or refused) the ref, so pushes never interleave.
    await Promise.race([session.finished, new Promise((r) => setTimeout(r, 30_000).unref())]);
    await session.lock.release().catch(() => {});
  }

  /** Saves the tar up to the size limit; false (and nothing kept) when it is too large. */
  async function saveSource(req: IncomingMessage, path: string): Promise<boolean> {
    const limit = deps.config.GANTRY_MAX_PUSH_SIZE;
    let size = 0;
    let tooLarge = false;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        size += chunk.length;
        if (size > limit) {
          tooLarge = true;
          return cb(new Error('too large'));
        }
        cb(null, chunk);
      },
    });
    await mkdir(deps.config.paths.sources, { recursive: true });
    try {
      await pipeline(req, counter, createWriteStream(path + '.partial'));
      await rename(path + '.partial', path);
      return true;
    } catch (err) {
      await rm(path + '.partial', { force: true });
      if (tooLarge) return false;
      throw err;
    }
  }

  async function receiveSource(req: IncomingMessage, res: ServerResponse, id: string): Promise<void> {
    const session = deps.registry.session(id);
    if (!session) return send(res, 404, { message: refuse('Unknown or expired push; push again.') });
    sourcesStarted.add(id);
    const buildId = randomUUID();
    const ndjson = (obj: object) => res.write(JSON.stringify(obj) + '\n');
    const line = (v: string) => ndjson({ t: 'line', v });
    try {
      if (!(await saveSource(req, join(deps.config.paths.sources, `${buildId}.tar`)))) {
        res.writeHead(200, { 'content-type': 'application/x-ndjson' });
        ndjson({ t: 'end', ok: false, message: refuse(`The pushed code is larger than the limit of ${formatSize(deps.config.GANTRY_MAX_PUSH_SIZE)}.`) });
        return;
      }
      const build = await createBuild(deps.ctx, { id: buildId, appId: session.appId, commitSha: session.sha, ref: session.ref, userId: session.userId });
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      line(`-----> Gantry received ${session.sha.slice(0, 7)} for ${session.appName} (build #${build.number}, pushed by ${session.email})`);
      const conn = deps.blockingRedis();
      let closed = false;
      res.on('close', () => (closed = true));
      // The relay's reads wait through a Redis outage (and resume where they were): say so.
      const since = { at: 0 };
      conn.on('close', () => {
        if (closed || since.at) return;
        since.at = Date.now();
        line('Gantry lost Redis; waiting for it to come back…');
      });
      conn.on('ready', () => {
        if (!since.at || closed) return;
        line(`Redis is back (after ${Math.round((Date.now() - since.at) / 1000)} s); going on.`);
        since.at = 0;
      });
      try {
        const outcome = await relayBuild(
          { output, conn, jobState: () => deps.queues.state('build', buildId) },
          buildId,
          line,
          {
            deadlineMs: deps.config.GANTRY_BUILD_TIMEOUT + deps.config.GANTRY_BOOT_TIMEOUT + 5 * 60_000,
            isClosed: () => closed,
          },
        );
        ndjson({ t: 'end', ok: outcome.ok, message: outcome.ok ? outcome.message : refuse(outcome.message) });
      } finally {
        conn.removeAllListeners('close');
        conn.disconnect();
      }
    } finally {
      res.end();
      void endSession(session);
    }
  }

  return createServer((req, res) => {
    if (!authorized(req)) return send(res, 401, { message: refuse('Gantry hook: not authorized.') });
    const url = new URL(req.url ?? '/', 'http://hook');
    const m = /^\/pushes\/([0-9a-f-]{36})\/source$/.exec(url.pathname);
    const handled =
      req.method === 'POST' && url.pathname === '/pushes'
        ? startPush(req, res)
        : req.method === 'PUT' && m
          ? receiveSource(req, res, m[1]!)
          : Promise.resolve(send(res, 404, { message: refuse('Unknown hook call.') }));
    handled.catch((err: Error) => {
      deps.log.error(`hook call ${req.method} ${url.pathname} failed: ${err.stack ?? err.message}`);
      if (!res.headersSent) send(res, 500, { message: refuse(pushFailure(err)) });
      else res.end(JSON.stringify({ t: 'end', ok: false, message: refuse(pushFailure(err)) }) + '\n');
    });
  });
}
