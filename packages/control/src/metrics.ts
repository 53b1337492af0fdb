/**
 * `gantry metrics`: an app's request and usage metrics over a window. The series live in Redis
 * (@gantry/live MetricsStore); this use case checks access and the window, then asks the source.
 */
import { InvalidInput } from '@gantry/core';
import type { App } from '@gantry/db';
import { appFor } from './access';
import type { Actor, Ctx } from './context';

export const METRICS_MIN_WINDOW_S = 10;
export const METRICS_MAX_WINDOW_S = 24 * 60 * 60;
export const METRICS_DEFAULT_WINDOW_S = 600;

/** Where the metrics come from (MetricsStore in production, anything in tests). */
export interface AppMetricsSource<T> {
  appMetrics(appId: string, windowMs: number, now?: number): Promise<T>;
}

/** A window in seconds from user input ("600"); absent: 10 minutes. */
export function parseMetricsWindow(input: string | null | undefined): number {
  if (input === null || input === undefined || input === '') return METRICS_DEFAULT_WINDOW_S;
  const n = Number(input);
  if (!Number.isInteger(n) || n < METRICS_MIN_WINDOW_S || n > METRICS_MAX_WINDOW_S) {
    throw new InvalidInput(`The window is a whole number of seconds from ${METRICS_MIN_WINDOW_S} to ${METRICS_MAX_WINDOW_S} (24 h), not ${JSON.stringify(input)}.`);
  }
  return n;
}

export async function appMetrics<T>(ctx: Ctx, actor: Actor, name: string, windowSeconds: number, source: AppMetricsSource<T>): Promise<{ app: App; metrics: T }> {
  const app = await appFor(ctx, actor, name, 'read');
  const metrics = await source.appMetrics(app.id, windowSeconds * 1000, (ctx.now ? ctx.now() : new Date()).getTime());
  return { app, metrics };
}
