import { InvalidInput } from './errors';

export type ConfigVars = Record<string, string>;

const KEY_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Set by the platform for every instance; users cannot override them. */
export const RESERVED_KEYS = ['PORT', 'DYNO', 'GANTRY_APP', 'GANTRY_RELEASE'] as const;
const MAX_VALUE_BYTES = 32 * 1024;
const MAX_TOTAL_BYTES = 64 * 1024;

export function assertConfigKey(key: string): void {
  if (!KEY_PATTERN.test(key) || key.length > 200) {
    throw new InvalidInput(`Invalid config var name ${JSON.stringify(key)}: use letters, digits and "_", not starting with a digit.`);
  }
  if ((RESERVED_KEYS as readonly string[]).includes(key)) {
    throw new InvalidInput(`${key} is set by Gantry for every instance and cannot be changed.`);
  }
}

/**
 * Where a config value cannot be stored or passed on: a NUL character (Postgres text and jsonb
 * refuse it, and no process environment can hold it) or half of a UTF-16 surrogate pair (not
 * representable in UTF-8; jsonb refuses it too). Undefined when the value is fine. Every other
 * character, control characters and newlines included, is stored and passed on as it is.
 */
export function configValueProblem(value: string): string | undefined {
  const n = value.length;
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    if (c === 0) return `contains a NUL character (at position ${i})`;
    if (c >= 0xd800 && c <= 0xdfff) {
      const next = i + 1 < n ? value.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) i++;
      else return `contains an unpaired UTF-16 surrogate (at position ${i}), which is not valid Unicode text`;
    }
  }
  return undefined;
}

/** Throws InvalidInput when `value` cannot be a config value (configValueProblem). */
export function assertConfigValue(key: string, value: string): void {
  const problem = configValueProblem(value);
  if (problem !== undefined) throw new InvalidInput(`Config var ${key} ${problem}: it cannot be stored or passed to a process.`);
}

/** Parses CLI arguments like ["A=1", "B=x=y"] into an object, refusing anything without "=". */
export function parseAssignments(args: string[]): ConfigVars {
  const out: ConfigVars = {};
  for (const arg of args) {
    const eq = arg.indexOf('=');
    if (eq <= 0) throw new InvalidInput(`Expected KEY=VALUE, got ${JSON.stringify(arg)}.`);
    const key = arg.slice(0, eq);
    assertConfigKey(key);
    const value = arg.slice(eq + 1);
    assertConfigValue(key, value);
    out[key] = value;
  }
  return out;
}

/**
 * Applies a change (value null = unset) to the current vars. Pure: returns the new vars and the
 * keys that actually changed, validating names and sizes.
 */
export function applyConfigChange(
  current: ConfigVars,
  change: Record<string, string | null>,
): { vars: ConfigVars; set: string[]; unset: string[] } {
  const vars = { ...current };
  const set: string[] = [];
  const unset: string[] = [];
  for (const [key, value] of Object.entries(change)) {
    assertConfigKey(key);
    if (value === null) {
      if (key in vars) {
        delete vars[key];
        unset.push(key);
      }
      continue;
    }
    if (typeof value !== 'string') throw new InvalidInput(`Config var ${key} must be a string.`);
    assertConfigValue(key, value);
    if (Buffer.byteLength(value) > MAX_VALUE_BYTES) throw new InvalidInput(`Config var ${key} is larger than 32 KB.`);
    if (vars[key] !== value) {
      vars[key] = value;
      set.push(key);
    }
  }
  const total = Object.entries(vars).reduce((n, [k, v]) => n + k.length + Buffer.byteLength(v), 0);
  if (total > MAX_TOTAL_BYTES) throw new InvalidInput('Config vars of an app may not exceed 64 KB in total.');
  return { vars, set, unset };
}
