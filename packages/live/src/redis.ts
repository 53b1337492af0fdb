import { Redis, type RedisOptions } from 'ioredis';
import { keepStringMethodsFast } from './fast-string-methods';

// Loading ioredis slowed every string method down (see fast-string-methods.ts).
keepStringMethodsFast();

/** How long a command of a request-serving connection may wait for Redis before it fails. */
export const REDIS_COMMAND_DEADLINE_MS = 2500;

/**
 * Opens a Redis connection for one purpose (name shows in CLIENT LIST). Reconnects forever with
 * a capped backoff, so a Redis restart is survived rather than fatal.
 *
 * Two kinds, chosen by `kind`:
 * - 'patient' (default): a command waits through an outage until Redis is back. For BullMQ
 *   workers (they require `maxRetriesPerRequest: null`), blocking reads (XREAD BLOCK of log
 *   tails) and background loops that simply resume.
 * - 'request': a command fails after one reconnection attempt or REDIS_COMMAND_DEADLINE_MS,
 *   whichever comes first, so a request served to a person answers "unavailable" within a few
 *   seconds instead of hanging. Never use it for blocking commands (they would time out).
 */
export function connectRedis(url: string, name: string, extra: RedisOptions & { kind?: 'patient' | 'request' } = {}): Redis {
  const { kind = 'patient', ...options } = extra;
  const deadlines: RedisOptions = kind === 'request' ? { maxRetriesPerRequest: 1, commandTimeout: REDIS_COMMAND_DEADLINE_MS } : { maxRetriesPerRequest: null };
  return new Redis(url, {
    connectionName: name,
    retryStrategy: (times) => Math.min(times * 100, 2000),
    ...deadlines,
    ...options,
  });
}

/**
 * True when `err` says Redis could not be reached or did not answer in time (as opposed to a
 * command Redis refused). ioredis's errors carry no codes, so this matches its fixed messages.
 */
export function isRedisOutage(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err.name === 'MaxRetriesPerRequestError') return true;
  return REDIS_OUTAGE_MESSAGES.some((m) => err.message.startsWith(m));
}

const REDIS_OUTAGE_MESSAGES = [
  'Command timed out', // commandTimeout
  'Connection is closed.', // the connection ended (disconnect, or retryStrategy gave up)
  "Stream isn't writeable and enableOfflineQueue options is false",
];

/**
 * Rejects (with a Redis outage error) when `conn` loses its connection. Race a blocking read on
 * a patient connection against it to notice an outage: ioredis holds a blocked command whose
 * connection dropped until it reconnects, and disconnect() does not settle it either (ioredis 6).
 */
export function connectionLost(conn: Redis): Promise<never> {
  const lost = new Promise<never>((_, reject) => conn.once('close', () => reject(new Error('Connection is closed.'))));
  lost.catch(() => {}); // nobody racing it yet is not an unhandled rejection
  return lost;
}
