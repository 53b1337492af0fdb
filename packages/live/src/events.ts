/**
 * Wake-ups for the scheduler's control loop: anything that changes what an app should run or what
 * it runs publishes an event, and the leader plans that app again within milliseconds.
 */
import type { Redis } from 'ioredis';
import type { Keys } from './keys';

export type AppEvent =
  | { kind: 'state'; appId: string; allocId: string; status: string }
  | { kind: 'desired'; appId: string; why: string }
  | { kind: 'hosts'; why: string }
  /** A router holds requests for a sleeping app (`by`: the router's id). */
  | { kind: 'wake'; appId: string; by: string };

export async function publishEvent(redis: Redis, keys: Keys, event: AppEvent): Promise<void> {
  await redis.publish(keys.events, JSON.stringify(event));
}

/** Subscribes on a dedicated connection; returns an unsubscribe function. */
export async function onEvents(sub: Redis, keys: Keys, handler: (e: AppEvent) => void): Promise<() => Promise<void>> {
  await sub.subscribe(keys.events);
  const listener = (channel: string, message: string) => {
    if (channel !== keys.events) return;
    try {
      handler(JSON.parse(message) as AppEvent);
    } catch {
      /* ignore malformed */
    }
  };
  sub.on('message', listener);
  return async () => {
    sub.off('message', listener);
    await sub.unsubscribe(keys.events);
  };
}
