import { Redis, type RedisOptions } from 'ioredis';
import { keepStringMethodsFast } from './fast-string-methods';

// Loading ioredis slowed every string method down (see fast-string-methods.ts).
keepStringMethodsFast();

/**
 * Opens a Redis connection for one purpose (name shows in CLIENT LIST). Retries forever with a
 * capped backoff, so a Redis restart is survived rather than fatal.
 */
export function connectRedis(url: string, name: string, extra: RedisOptions = {}): Redis {
  return new Redis(url, {
    connectionName: name,
    maxRetriesPerRequest: null,
    retryStrategy: (times) => Math.min(times * 100, 2000),
    ...extra,
  });
}
