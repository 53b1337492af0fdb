/**
 * When a starting router stops waiting for Redis and serves its saved table instead:
 *
 *   connection attempt fails (refused, unknown host...)  ─┐
 *   no answer within GANTRY_ROUTER_REDIS_START_TIMEOUT   ─┴─▶ unreachable ─▶ load() the snapshot once
 *
 * A refused connection is a definite answer (nothing listens), so it does not wait out the
 * deadline; a Redis that is slow or behind a black hole gets the whole deadline. Judging too early
 * costs little: the saved table serves until Redis answers, then everything is reloaded from it.
 */
import type { Logger } from './log';
import type { RouterSnapshot, SnapshotStore } from './snapshot';
import type { RedisConnection } from './table';

export interface SavedStart {
  /** Settles once Redis is judged unreachable for the start (never rejects). */
  unreachable: Promise<void>;
  /** The snapshot, read once and logged; undefined when missing or unusable (the log says why). */
  load(): Promise<RouterSnapshot | undefined>;
}

export function savedStart(deps: { redis: RedisConnection; store: Pick<SnapshotStore, 'load' | 'path'>; deadlineMs: number; log: Logger }): SavedStart {
  const { redis, store, deadlineMs, log } = deps;
  let why = `Redis did not answer within ${deadlineMs} ms`;
  const unreachable = new Promise<void>((resolve) => {
    const timer = setTimeout(done, deadlineMs);
    timer.unref();
    function onError(err: Error): void {
      why = `Redis is unreachable (${err.message || err.name})`;
      done();
    }
    function done(): void {
      clearTimeout(timer);
      redis.off('error', onError);
      redis.off('ready', answered);
      resolve();
    }
    // Redis answers: only the deadline is left (the loads normally finish well before it).
    function answered(): void {
      redis.off('error', onError);
    }
    if (redis.status === 'ready') return answered();
    redis.once('error', onError);
    redis.once('ready', answered);
  });
  let read: Promise<RouterSnapshot | undefined> | undefined;
  const load = () =>
    (read ??= store.load().then((r) => {
      if (r.kind === 'loaded') {
        const { table, certs, savedAt } = r.snapshot;
        log.warn(
          `at=warn code=redis_unreachable_at_start desc=${JSON.stringify(`${why}: serving the saved table`)} ` +
            `version=${table.version} routes=${Object.keys(table.routes).length} certificate_names=${certs.size} saved_at=${new Date(savedAt).toISOString()}`,
        );
        return r.snapshot;
      }
      const unusable = r.kind === 'missing' ? `there is no saved table at ${store.path}` : `the saved table cannot be used: ${r.reason}`;
      log.warn(`at=warn code=redis_unreachable_at_start desc=${JSON.stringify(`${why} and ${unusable}; waiting for Redis`)}`);
      return undefined;
    }));
  return { unreachable, load };
}
