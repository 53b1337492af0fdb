/**
 * Sleeping process types: a web type with no request for its `sleepAfter` goes to zero
 * instances, and the router holds the next request while the scheduler wakes it. The rules, pure:
 *
 *   ps:sleep --after 30m ─▶ parseSleepAfter ─▶ FormationEntry.sleepAfter (s)
 *   scheduler, every 10 s: idleFor(last request, awake since) >= sleepAfter ─▶ shouldSleep
 *   router: no backends + holdsRequests(route's sleep, now) ─▶ hold, ask for a wake
 *
 * A type that was just woken (or set to sleep, or scaled by hand) counts its idle time from then,
 * so it never goes back to sleep before it had the chance to serve.
 */
import { InvalidInput } from './errors';

/** The process types that can sleep: the ones routers send requests to. */
export const SLEEPING_TYPES = ['web'];
export const MIN_SLEEP_AFTER_S = 60;
export const MAX_SLEEP_AFTER_S = 30 * 24 * 3600;
export const DEFAULT_SLEEP_AFTER_S = 30 * 60;

/** A woken type's first instance is created and started before its boot timeout starts counting. */
export const WAKE_START_ALLOWANCE_MS = 10_000;

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** "30m" | "2h" | "1d" | "90s" | 1800 (seconds) -> seconds, within [1 minute, 30 days]. */
export function parseSleepAfter(input: unknown): number {
  let seconds: number | undefined;
  if (typeof input === 'number' && Number.isInteger(input)) seconds = input;
  else if (typeof input === 'string') {
    const m = /^\s*(\d+)\s*([smhd])\s*$/i.exec(input);
    if (m) seconds = Number(m[1]) * UNITS[m[2]!.toLowerCase()]!;
  }
  if (seconds === undefined) throw new InvalidInput(`--after takes a duration like 30m, 2h or 1d (got ${JSON.stringify(input)}).`, { field: 'after' });
  if (seconds < MIN_SLEEP_AFTER_S || seconds > MAX_SLEEP_AFTER_S) {
    throw new InvalidInput(`--after must be between 1m and 30d (got ${formatSleepAfter(seconds)}).`, { field: 'after' });
  }
  return seconds;
}

/** 1800 -> "30m", 5400 -> "90m", 7200 -> "2h", 86400 -> "1d". */
export function formatSleepAfter(seconds: number): string {
  if (seconds % 86_400 === 0) return `${seconds / 86_400}d`;
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

export interface SleepState {
  /** Seconds without a request before sleeping; null: never sleeps. */
  sleepAfter: number | null;
  sleepingSince: Date | null;
  awakeSince: Date | null;
  quantity: number;
}

/**
 * Whether a type should go to sleep now: it may sleep, is awake with instances, and neither
 * served a request nor was woken within `sleepAfter`. Unknown last request (none recorded)
 * counts from `awakeSince`; with neither known, it does not sleep.
 */
export function shouldSleep(s: SleepState, lastRequestAt: number | null, now: number): boolean {
  if (s.sleepAfter === null || s.sleepingSince !== null || s.quantity === 0) return false;
  const since = Math.max(lastRequestAt ?? 0, s.awakeSince?.getTime() ?? 0);
  if (since === 0) return false;
  return now - since >= s.sleepAfter * 1000;
}

/** What routers are told about a type that may sleep (route options). */
export interface RouteSleep {
  asleep: boolean;
  /** When it was last woken (epoch ms), null when never. */
  wokeAt: number | null;
  /** How long a held request waits for an instance before the router answers 503. */
  wakeTimeoutMs: number;
}

/**
 * Whether a router should hold a request for a route without instances: while the type sleeps,
 * and for the wake timeout after it was woken (its first instance is booting). Past that, an
 * awake type without instances is down, and the router says so at once.
 */
export function holdsRequests(sleep: RouteSleep | undefined, now: number): boolean {
  if (sleep === undefined) return false;
  if (sleep.asleep) return true;
  return sleep.wokeAt !== null && now - sleep.wokeAt < sleep.wakeTimeoutMs;
}
