/**
 * app.json, the manifest of an app, as Heroku defines it (formation, env, buildpacks, scripts)
 * with Dokku's extensions where Heroku has none (scripts.dokku.predeploy/postdeploy, cron,
 * healthchecks) and Gantry's own "sidecars" (sidecars.ts). Keys Gantry does not use (addons, image, stack, logo...) are ignored; a key of
 * the wrong type is an InvalidInput naming the key.
 *
 *   app.json text ──parseAppManifest──▶ AppManifest ──releaseManifest──▶ ReleaseManifest (kept per release)
 */
import { InvalidInput } from './errors';
import { checkCronJob } from './cron';
import { findSize } from './sizes';
import { healthChecksOf, parseAppJsonText, type HealthChecks } from './app-json';
import { sidecarsOf, type SidecarSpec } from './sidecars';

export interface FormationSpec {
  quantity?: number;
  size?: string;
}

export interface EnvSpec {
  description?: string;
  /** Default value, set on the app when it has none. */
  value?: string;
  /** Heroku's default is true: a variable without value or generator must be set before deploy. */
  required: boolean;
  generator?: 'secret';
}

export interface CronSpec {
  command: string;
  schedule: string;
}

export interface ManifestScripts {
  /** Heroku: once, after the app's first successful deploy. */
  postdeploy?: string;
  /** Dokku: before the new release starts (after the release phase). */
  dokkuPredeploy?: string;
  /** Dokku: after the new release serves, on every deploy. */
  dokkuPostdeploy?: string;
}

export interface AppManifest {
  formation: Record<string, FormationSpec>;
  env: Record<string, EnvSpec>;
  buildpacks: string[];
  scripts: ManifestScripts;
  cron: CronSpec[];
  healthChecks: HealthChecks;
  /** Process type -> the helper containers beside each of its instances (sidecars.ts). */
  sidecars: Record<string, SidecarSpec[]>;
}

/** What a release keeps of its app.json: the parts that act after the build. */
export interface ReleaseManifest {
  formation?: Record<string, FormationSpec>;
  scripts?: ManifestScripts;
  cron?: CronSpec[];
  sidecars?: Record<string, SidecarSpec[]>;
}

export const EMPTY_MANIFEST: AppManifest = { formation: {}, env: {}, buildpacks: [], scripts: {}, cron: [], healthChecks: {}, sidecars: {} };

const TYPE_PATTERN = /^[a-zA-Z0-9_-]{1,30}$/;
const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

type Obj = Record<string, unknown>;

function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function bad(key: string, want: string, got: unknown): InvalidInput {
  const kind = got === null ? 'null' : Array.isArray(got) ? 'a list' : typeof got === 'object' ? 'an object' : `${typeof got} ${JSON.stringify(got)}`;
  return new InvalidInput(`app.json: "${key}" must be ${want}, not ${kind}.`);
}

function optString(o: Obj, k: string, key: string): string | undefined {
  const v = o[k];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw bad(key, 'a string', v);
  return v;
}

/** A script: a command string, or Heroku's { "command": "...", "size": "..." }. */
function script(v: unknown, key: string): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'string') return v.trim() || undefined;
  if (isObject(v)) {
    const c = optString(v, 'command', `${key}.command`);
    if (c === undefined) throw new InvalidInput(`app.json: "${key}" needs a "command".`);
    return c.trim() || undefined;
  }
  throw bad(key, 'a command string or { "command": "..." }', v);
}

function formationOf(v: unknown): Record<string, FormationSpec> {
  if (v === undefined) return {};
  // Heroku also accepted a list of { "process": "web", "quantity": 1 }.
  const entries: [string, unknown][] = Array.isArray(v)
    ? v.map((e, i) => {
        if (!isObject(e) || typeof e.process !== 'string') throw bad(`formation[${i}]`, 'an object with a "process" name', e);
        return [e.process, e];
      })
    : isObject(v)
      ? Object.entries(v)
      : (() => {
          throw bad('formation', 'an object of process type -> { "quantity", "size" }', v);
        })();
  const out: Record<string, FormationSpec> = {};
  for (const [type, spec] of entries) {
    const key = `formation.${type}`;
    if (!TYPE_PATTERN.test(type)) throw new InvalidInput(`app.json: "${key}": a process type may only use letters, digits, "_" and "-" (at most 30).`);
    if (type === 'release') throw new InvalidInput('app.json: "formation.release": the release phase runs once per release and cannot be scaled.');
    if (!isObject(spec)) throw bad(key, 'an object such as { "quantity": 1 }', spec);
    const f: FormationSpec = {};
    if (spec.quantity !== undefined) {
      const q = spec.quantity;
      if (typeof q !== 'number' || !Number.isInteger(q) || q < 0 || q > 100) throw bad(`${key}.quantity`, 'a whole number from 0 to 100', q);
      f.quantity = q;
    }
    if (spec.size !== undefined) {
      if (typeof spec.size !== 'string') throw bad(`${key}.size`, 'a size name', spec.size);
      const size = normalizeSize(spec.size);
      if (!size) throw new InvalidInput(`app.json: "${key}.size": unknown size "${spec.size}".`);
      f.size = size;
    }
    out[type] = f;
  }
  return out;
}

/** Heroku's names ("Standard-1X", "free", "hobby", "eco") onto Gantry's sizes. */
export function normalizeSize(name: string): string | undefined {
  const n = name.trim().toLowerCase();
  const alias: Record<string, string> = { free: 'basic', hobby: 'basic', eco: 'basic', '1x': 'standard-1x', '2x': 'standard-2x', standard: 'standard-1x' };
  const resolved = alias[n] ?? n;
  return findSize(resolved) ? resolved : undefined;
}

function envOf(v: unknown): Record<string, EnvSpec> {
  if (v === undefined) return {};
  if (!isObject(v)) throw bad('env', 'an object of NAME -> value or { "description", "value", "required", "generator" }', v);
  const out: Record<string, EnvSpec> = {};
  for (const [name, spec] of Object.entries(v)) {
    const key = `env.${name}`;
    if (!ENV_KEY.test(name)) throw new InvalidInput(`app.json: "${key}": a config var name uses letters, digits and "_" and does not start with a digit.`);
    if (typeof spec === 'string') {
      out[name] = { value: spec, required: true };
      continue;
    }
    if (!isObject(spec)) throw bad(key, 'a string or an object', spec);
    const e: EnvSpec = { required: true };
    const description = optString(spec, 'description', `${key}.description`);
    if (description !== undefined) e.description = description;
    if (spec.value !== undefined) {
      // Heroku stores values as strings; numbers and booleans are common in the wild.
      if (!['string', 'number', 'boolean'].includes(typeof spec.value)) throw bad(`${key}.value`, 'a string', spec.value);
      e.value = String(spec.value);
    }
    if (spec.required !== undefined) {
      if (typeof spec.required !== 'boolean') throw bad(`${key}.required`, 'true or false', spec.required);
      e.required = spec.required;
    }
    if (spec.generator !== undefined) {
      if (spec.generator !== 'secret') throw new InvalidInput(`app.json: "${key}.generator": the only generator is "secret", not ${JSON.stringify(spec.generator)}.`);
      e.generator = 'secret';
    }
    out[name] = e;
  }
  return out;
}

function buildpacksOf(v: unknown): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw bad('buildpacks', 'a list of { "url": "..." }', v);
  return v.map((b, i) => {
    const url = typeof b === 'string' ? b : isObject(b) ? b.url : undefined;
    if (typeof url !== 'string' || !url.trim()) throw bad(`buildpacks[${i}]`, 'an object { "url": "<name or git URL>" }', b);
    return url.trim();
  });
}

function scriptsOf(v: unknown): ManifestScripts {
  if (v === undefined) return {};
  if (!isObject(v)) throw bad('scripts', 'an object', v);
  const s: ManifestScripts = {};
  const postdeploy = script(v.postdeploy, 'scripts.postdeploy');
  if (postdeploy) s.postdeploy = postdeploy;
  if (v.dokku !== undefined) {
    if (!isObject(v.dokku)) throw bad('scripts.dokku', 'an object', v.dokku);
    const pre = script(v.dokku.predeploy, 'scripts.dokku.predeploy');
    const post = script(v.dokku.postdeploy, 'scripts.dokku.postdeploy');
    if (pre) s.dokkuPredeploy = pre;
    if (post) s.dokkuPostdeploy = post;
  }
  return s;
}

function cronOf(v: unknown): CronSpec[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw bad('cron', 'a list of { "command", "schedule" }', v);
  return v.map((c, i) => {
    const key = `cron[${i}]`;
    if (!isObject(c)) throw bad(key, 'an object { "command", "schedule" }', c);
    const command = optString(c, 'command', `${key}.command`)?.trim();
    const schedule = optString(c, 'schedule', `${key}.schedule`)?.trim();
    if (!command) throw new InvalidInput(`app.json: "${key}.command" is missing.`);
    if (!schedule) throw new InvalidInput(`app.json: "${key}.schedule" is missing.`);
    // Checked here, so a bad schedule fails the build rather than the deploy after it serves.
    return checkCronJob({ command, schedule }, `app.json "${key}"`);
  });
}

/** Parses app.json; throws InvalidInput naming the key that is wrong. */
export function parseAppManifest(text: string): AppManifest {
  const doc = parseAppJsonText(text);
  return {
    formation: formationOf(doc.formation),
    env: envOf(doc.env),
    buildpacks: buildpacksOf(doc.buildpacks),
    scripts: scriptsOf(doc.scripts),
    cron: cronOf(doc.cron),
    healthChecks: healthChecksOf(doc.healthchecks),
    sidecars: sidecarsOf(doc.sidecars),
  };
}

/** The parts of a manifest a release keeps. */
export function releaseManifest(m: AppManifest): ReleaseManifest {
  return {
    ...(Object.keys(m.formation).length ? { formation: m.formation } : {}),
    ...(Object.keys(m.scripts).length ? { scripts: m.scripts } : {}),
    ...(m.cron.length ? { cron: m.cron } : {}),
    ...(Object.keys(m.sidecars).length ? { sidecars: m.sidecars } : {}),
  };
}
