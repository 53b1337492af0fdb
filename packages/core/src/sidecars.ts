/**
 * app.json "sidecars": helper containers that run beside every instance of a process type, like
 * the containers of a Kubernetes pod (same release image and config, the instance's network
 * namespace, a shared /scratch directory).
 *
 *   "sidecars": { "web": [ { "name": "metrics", "command": "node exporter.js" } ] }
 *
 * Strict: a wrong entry fails the push with an InvalidInput naming the key ("sidecars.web[1].name").
 */
import { InvalidInput } from './errors';

export interface SidecarSpec {
  /** Unique per process type; its output is logged as `<type>.<n>/<name>`. */
  name: string;
  /** A command line, run as a Procfile command is (gantry-launch, or `sh -c` for Dockerfile apps). */
  command: string;
}

export const SIDECAR_NAME = /^[a-z][a-z0-9-]{0,29}$/;
export const MAX_SIDECARS_PER_TYPE = 4;
/** The same rule as formation's process types. */
const TYPE_PATTERN = /^[a-zA-Z0-9_-]{1,30}$/;
const ENTRY_KEYS = new Set(['name', 'command']);

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const kindOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)}`);
const fail = (key: string, what: string) => new InvalidInput(`app.json: "${key}"${what.startsWith(':') ? '' : ' '}${what}`);

/** Parses app.json's "sidecars" value (undefined: none). */
export function sidecarsOf(v: unknown): Record<string, SidecarSpec[]> {
  if (v === undefined) return {};
  if (!isObject(v)) throw fail('sidecars', `must be an object of process type -> [ { "name", "command" } ], not ${kindOf(v)}.`);
  const out: Record<string, SidecarSpec[]> = {};
  for (const [type, list] of Object.entries(v)) {
    const key = `sidecars.${type}`;
    if (!TYPE_PATTERN.test(type)) throw fail(key, ': a process type may only use letters, digits, "_" and "-" (at most 30).');
    if (type === 'release') throw fail(key, ': the release phase runs once per release and has no sidecars.');
    if (!Array.isArray(list)) throw fail(key, `must be a list of { "name", "command" }, not ${kindOf(list)}.`);
    if (list.length > MAX_SIDECARS_PER_TYPE) throw fail(key, `lists ${list.length} sidecars; at most ${MAX_SIDECARS_PER_TYPE} are allowed per process type.`);
    const seen = new Set<string>();
    out[type] = list.map((entry, i) => {
      const at = `${key}[${i}]`;
      if (!isObject(entry)) throw fail(at, `must be an object { "name", "command" }, not ${kindOf(entry)}.`);
      const unknown = Object.keys(entry).filter((k) => !ENTRY_KEYS.has(k));
      if (unknown.length) throw fail(at, `has unknown key${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => JSON.stringify(k)).join(', ')} (a sidecar has "name" and "command").`);
      const { name, command } = entry;
      if (name === undefined) throw fail(`${at}.name`, 'is missing.');
      if (typeof name !== 'string') throw fail(`${at}.name`, `must be a string, not ${kindOf(name)}.`);
      if (!SIDECAR_NAME.test(name)) throw fail(`${at}.name`, `: ${JSON.stringify(name)} is not a sidecar name (a lowercase letter, then lowercase letters, digits or "-", at most 30).`);
      if (seen.has(name)) throw fail(`${at}.name`, `: ${JSON.stringify(name)} is used twice for ${type}.`);
      seen.add(name);
      if (command === undefined) throw fail(`${at}.command`, 'is missing.');
      if (typeof command !== 'string') throw fail(`${at}.command`, `must be a string, not ${kindOf(command)}.`);
      const trimmed = command.trim();
      if (!trimmed) throw fail(`${at}.command`, 'is empty.');
      if (/[\r\n]/.test(trimmed)) throw fail(`${at}.command`, 'must be one line.');
      return { name, command: trimmed };
    });
    if (out[type]!.length === 0) delete out[type];
  }
  return out;
}

/** Process types that have sidecars but are not process types of the build (warned about, as formation). */
export function undefinedSidecarTypes(sidecars: Record<string, SidecarSpec[]>, processTypes: Record<string, string>): string[] {
  return Object.keys(sidecars)
    .filter((t) => !(t in processTypes))
    .sort();
}
