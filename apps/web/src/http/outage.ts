import { Unavailable } from '@gantry/core';
import { isDatabaseOutage } from '@gantry/db';
import { isRedisOutage } from '@gantry/live';

export type Dependency = 'Redis' | 'Postgres';

/** Which of Gantry's stores `err` says is unreachable (or too slow to answer), if any. */
export function outageOf(err: unknown): Dependency | undefined {
  if (isRedisOutage(err)) return 'Redis';
  if (isDatabaseOutage(err)) return 'Postgres';
  return undefined;
}

/**
 * The answer for a request that met an outage. `changed` says whether the request may have
 * written something before it failed: a request refused before its handler ran, or one that only
 * reads, changed nothing; one that failed part-way may have.
 */
export function unavailable(dep: Dependency, changed: 'nothing' | 'maybe'): Unavailable {
  return new Unavailable(
    changed === 'nothing'
      ? `Gantry cannot reach ${dep}; nothing was changed. Try again when it is back.`
      : `Gantry lost ${dep} during this request; it may be partly done. Check, then repeat it when ${dep} is back.`,
  );
}

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Maps a driver's outage error to Unavailable (once, here at the edge); other errors pass through. */
export function asUnavailable(err: unknown, method: string): unknown {
  const dep = outageOf(err);
  if (!dep) return err;
  return unavailable(dep, READS.has(method) ? 'nothing' : 'maybe');
}

/**
 * Refuses a request that would change something while Redis is known to be down (its connection
 * is not ready), before the handler writes to Postgres and then fails to publish, enqueue or
 * route: "nothing was changed" is then true. Postgres has no such cheap signal; its first use in
 * a handler is the token check, before any write.
 */
export function refuseWritesWithoutRedis(method: string, redisStatus: string): void {
  if (READS.has(method) || redisStatus === 'ready') return;
  throw unavailable('Redis', 'nothing');
}
