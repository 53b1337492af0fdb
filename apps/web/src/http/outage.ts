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
 * The answer for a request that met an outage. `changed`: 'read' for a request that changes
 * nothing; 'nothing' for a change refused before its handler ran; 'maybe' for a change that
 * failed part-way (it may have written something first).
 */
export function unavailable(dep: Dependency, changed: 'read' | 'nothing' | 'maybe'): Unavailable {
  switch (changed) {
    case 'read':
      return new Unavailable(`Gantry cannot reach ${dep}; try again when it is back.`);
    case 'nothing':
      return new Unavailable(`Gantry cannot reach ${dep}; nothing was changed. Try again when it is back.`);
    case 'maybe':
      return new Unavailable(`Gantry lost ${dep} during this request; it may be partly done. Check, then repeat it when ${dep} is back.`);
  }
}

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Maps a driver's outage error to Unavailable (once, here at the edge); other errors pass through. */
export function asUnavailable(err: unknown, method: string): unknown {
  const dep = outageOf(err);
  if (!dep) return err;
  return unavailable(dep, READS.has(method) ? 'read' : 'maybe');
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
