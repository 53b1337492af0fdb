import { InvalidInput } from './errors';

/**
 * How a process type is judged healthy when it starts. Default: a TCP connection to $PORT.
 * Apps configure an HTTP check in app.json, in the format Dokku uses:
 *   { "healthchecks": { "web": [ { "type": "startup", "path": "/health", "timeout": 5, "wait": 1 } ] } }
 */
export interface HealthCheck {
  kind: 'tcp' | 'http';
  /** HTTP path; a 2xx or 3xx answer is healthy. */
  path?: string;
  /** Per-attempt timeout. */
  timeoutMs: number;
  /** Pause between attempts. */
  intervalMs: number;
  /** Wait before the first attempt. */
  initialDelayMs: number;
  /** Give up after this many failed attempts (otherwise only the boot timeout ends the wait). */
  attempts?: number;
  /** Checked for as long as the instance runs, once it started (type "liveness" in app.json). */
  liveness?: LivenessCheck;
}

/** A running instance failing this many checks in a row leaves routing and is restarted. */
export interface LivenessCheck {
  kind: 'tcp' | 'http';
  path?: string;
  intervalMs: number;
  timeoutMs: number;
  failures: number;
}

/** Every web instance gets this unless app.json says otherwise: a hung one leaves routing in about 1.5 s. */
export const DEFAULT_LIVENESS: LivenessCheck = { kind: 'tcp', intervalMs: 500, timeoutMs: 700, failures: 2 };

export const DEFAULT_HEALTH_CHECK: HealthCheck = { kind: 'tcp', timeoutMs: 2000, intervalMs: 250, initialDelayMs: 0 };

export type HealthChecks = Record<string, HealthCheck>;

function seconds(v: unknown, field: string, fallbackMs: number): number {
  if (v === undefined) return fallbackMs;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 600) {
    throw new InvalidInput(`app.json: healthchecks ${field} must be a number of seconds between 0 and 600.`);
  }
  return Math.round(v * 1000);
}

function livenessOf(c: Record<string, unknown>, type: string): LivenessCheck {
  if (c.path !== undefined && (typeof c.path !== 'string' || !c.path.startsWith('/'))) {
    throw new InvalidInput(`app.json: healthchecks ${type} liveness path must start with "/".`);
  }
  return {
    kind: c.path ? 'http' : 'tcp',
    ...(c.path ? { path: c.path as string } : {}),
    intervalMs: seconds(c.wait, `${type}.wait`, DEFAULT_LIVENESS.intervalMs),
    timeoutMs: seconds(c.timeout, `${type}.timeout`, DEFAULT_LIVENESS.timeoutMs),
    failures: c.attempts === undefined ? DEFAULT_LIVENESS.failures : attemptsOf(c.attempts, type),
  };
}

function attemptsOf(v: unknown, type: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 1000) {
    throw new InvalidInput(`app.json: healthchecks ${type}.attempts must be a whole number from 1 to 1000.`);
  }
  return v;
}

/** app.json's text as a JSON object, or InvalidInput saying what is wrong with it. */
export function parseAppJsonText(text: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new InvalidInput(`app.json is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new InvalidInput('app.json must hold a JSON object.');
  return doc as Record<string, unknown>;
}

/** Reads the startup checks of app.json; throws InvalidInput with the offending field. */
export function parseAppJsonHealthChecks(text: string): HealthChecks {
  return healthChecksOf(parseAppJsonText(text).healthchecks);
}

/** The startup checks of app.json's "healthchecks" value (Dokku's format). */
export function healthChecksOf(hc: unknown): HealthChecks {
  const checks: HealthChecks = {};
  if (hc === undefined) return checks;
  if (typeof hc !== 'object' || hc === null || Array.isArray(hc)) {
    throw new InvalidInput('app.json: "healthchecks" must be an object of process type -> list of checks.');
  }
  for (const [type, list] of Object.entries(hc)) {
    if (!Array.isArray(list)) throw new InvalidInput(`app.json: healthchecks.${type} must be a list.`);
    const byType = (t: string) => list.find((c) => ((c as { type?: string })?.type ?? 'startup') === t) as Record<string, unknown> | undefined;
    const live = byType('liveness');
    const startup = byType('startup') ?? (live ? {} : undefined);
    if (!startup) continue;
    const path = startup.path;
    if (path !== undefined && (typeof path !== 'string' || !path.startsWith('/'))) {
      throw new InvalidInput(`app.json: healthchecks.${type} path must start with "/".`);
    }
    checks[type] = {
      kind: path ? 'http' : 'tcp',
      ...(path ? { path: path as string } : {}),
      timeoutMs: seconds(startup.timeout, `${type}.timeout`, DEFAULT_HEALTH_CHECK.timeoutMs),
      intervalMs: seconds(startup.wait, `${type}.wait`, 1000),
      initialDelayMs: seconds(startup.initialDelay, `${type}.initialDelay`, 0),
      ...(startup.attempts !== undefined ? { attempts: attemptsOf(startup.attempts, type) } : {}),
      ...(live ? { liveness: livenessOf(live, type) } : {}),
    };
  }
  return checks;
}
