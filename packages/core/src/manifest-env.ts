/**
 * app.json `env` at deploy time, as a pure decision: given the manifest's variables, the app's
 * config and whether this is the app's first build, which variables to set (and why) and which
 * required ones are still missing.
 *
 *   manifest env + app config + first build? ──resolveManifestEnv──▶ { set, why, missing }
 *
 *   generator "secret"   set whenever the variable is absent (a fresh random value, once)
 *   value (a default)    set on the app's first build only: "defaults applied to new apps"
 *   required (default)   still absent after the above: the deploy fails, listing it
 */
import type { EnvSpec } from './app-manifest';
import type { ConfigVars } from './config-vars';
import { RESERVED_KEYS } from './config-vars';

export type EnvReason = 'generated' | 'default';

export interface MissingVar {
  key: string;
  description?: string;
  /** The app.json default, shown as a hint (app.json is in the repository: not a secret). */
  value?: string;
}

export interface EnvResolution {
  /** Variables to add to the app's config. */
  set: ConfigVars;
  /** Why each of `set` is set (what the build output says instead of the value). */
  why: Record<string, EnvReason>;
  missing: MissingVar[];
}

export interface ResolveEnvInput {
  env: Record<string, EnvSpec>;
  config: ConfigVars;
  /** The app has no release with an image yet. */
  firstBuild: boolean;
  /** The secret value for a variable (64 hex characters of crypto randomness in production). */
  secret: (key: string) => string;
}

export function resolveManifestEnv(input: ResolveEnvInput): EnvResolution {
  const out: EnvResolution = { set: {}, why: {}, missing: [] };
  for (const key of Object.keys(input.env).sort()) {
    const spec = input.env[key]!;
    // Set by Gantry for every instance (PORT...): always present, never stored.
    if ((RESERVED_KEYS as readonly string[]).includes(key)) continue;
    if (key in input.config) continue;
    if (spec.generator === 'secret') {
      out.set[key] = input.secret(key);
      out.why[key] = 'generated';
    } else if (spec.value !== undefined && input.firstBuild) {
      out.set[key] = spec.value;
      out.why[key] = 'default';
    } else if (spec.required) {
      out.missing.push({ key, ...(spec.description ? { description: spec.description } : {}), ...(spec.value !== undefined ? { value: spec.value } : {}) });
    }
  }
  return out;
}

/** "app.json: set SESSION_SECRET (generated), WEB_CONCURRENCY (default)": names and reasons, never values. */
export function describeEnvSet(why: Record<string, EnvReason>): string | undefined {
  const keys = Object.keys(why).sort();
  if (keys.length === 0) return undefined;
  return `app.json: set ${keys.map((k) => `${k} (${why[k]})`).join(', ')}`;
}

/** The reason a deploy fails for missing variables, with their descriptions and how to set them. */
export function describeMissingVars(missing: MissingVar[], appName: string): string {
  const lines = missing.map((m) => {
    const hint = m.value !== undefined ? ` (app.json default: ${m.value})` : '';
    return `  ${m.key}: ${m.description ?? '(no description in app.json)'}${hint}`;
  });
  const example = missing.map((m) => `${m.key}=...`).join(' ');
  return ['app.json requires config vars that are not set:', ...lines, `Set them with: gantry config:set ${example} -a ${appName}`].join('\n');
}
