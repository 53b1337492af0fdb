/**
 * Platform events in the app's log stream, Heroku's `heroku[api]` lines: "Scaled to web@3:standard-1x
 * by alice@example.com", "Release v7 created by alice@example.com". Best effort: a log stream that
 * cannot be written never fails the change itself.
 */
import type { Ctx } from './context';

export async function announce(ctx: Ctx, appId: string, line: string): Promise<void> {
  await ctx.events?.append(appId, line).catch(() => {});
}

/** "Scaled to web@3:standard-1x worker@1:standard-1x by alice@example.com". */
export function scaledLine(formation: { type: string; quantity: number; size: string }[], changed: string[], who: string): string {
  const parts = formation.filter((f) => changed.includes(f.type)).map((f) => `${f.type}@${f.quantity}:${f.size}`);
  return `Scaled to ${parts.join(' ')} by ${who}`;
}

/** "Release v7 created by alice@example.com: Set GREETING config var". */
export function releaseLine(release: { version: number; description: string }, who: string): string {
  return `Release v${release.version} created by ${who}${release.description ? `: ${release.description}` : ''}`;
}
