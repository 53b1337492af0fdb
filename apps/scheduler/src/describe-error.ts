import { isDatabaseOutage } from '@gantry/db';
import { isRedisOutage } from '@gantry/live';

/**
 * An error for the scheduler's log: an outage as one line (during one, every pass and sweep
 * fails and is retried, and Prisma's messages run to dozens of lines), anything else in full.
 */
export function describeError(err: unknown): string {
  if (isDatabaseOutage(err)) return 'cannot reach Postgres; will retry';
  if (isRedisOutage(err)) return 'cannot reach Redis; will retry';
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}
