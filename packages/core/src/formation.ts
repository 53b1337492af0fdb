import type { FormationSpec } from './app-manifest';
import { InvalidInput } from './errors';
import type { ProcessTypes } from './procfile';
import { DEFAULT_SIZE } from './sizes';

export interface FormationEntry {
  type: string;
  quantity: number;
  size: string;
}

export interface StoredFormationEntry extends FormationEntry {
  /** Set by ps:scale / ps:resize: app.json formation no longer changes it. */
  setByUser: boolean;
}

/** The Procfile type that runs once per release (the release phase), never as instances. */
export const RELEASE_PROCESS_TYPE = 'release';

/** Whether instances of a process type can run (every type but `release`). */
export function isScalableType(type: string): boolean {
  return type !== RELEASE_PROCESS_TYPE;
}

export const RELEASE_NOT_SCALABLE = 'release runs once per release, in the release phase; it cannot be scaled.';

/** Throws InvalidInput for `release`: ps:scale, ps:type and formation PATCHes all check this. */
export function assertScalableType(type: string): void {
  if (!isScalableType(type)) throw new InvalidInput(RELEASE_NOT_SCALABLE, { type });
}

/** What a release changes in the stored formation. */
export interface FormationPlan {
  create: FormationEntry[];
  update: { type: string; quantity?: number; size?: string }[];
}

/**
 * The formation a release asks for, as changes to the stored one:
 *   - a type new to the app gets app.json's quantity and size, else Heroku's defaults (web=1,
 *     everything else 0, the default size);
 *   - an existing type takes app.json's quantity and size unless a user set it (ps:scale, ps:type);
 *   - `release` never gets an entry; types the release no longer has are left as they are.
 */
export function planFormation(processTypes: ProcessTypes, existing: readonly StoredFormationEntry[], manifest: Record<string, FormationSpec> = {}): FormationPlan {
  const plan: FormationPlan = { create: [], update: [] };
  for (const type of Object.keys(processTypes).sort()) {
    if (!isScalableType(type)) continue;
    const spec = manifest[type];
    const entry = existing.find((e) => e.type === type);
    if (!entry) {
      plan.create.push({ type, quantity: spec?.quantity ?? (type === 'web' ? 1 : 0), size: spec?.size ?? DEFAULT_SIZE });
      continue;
    }
    if (!spec || entry.setByUser) continue;
    const change = {
      ...(spec.quantity !== undefined && spec.quantity !== entry.quantity ? { quantity: spec.quantity } : {}),
      ...(spec.size !== undefined && spec.size !== entry.size ? { size: spec.size } : {}),
    };
    if (Object.keys(change).length) plan.update.push({ type, ...change });
  }
  return plan;
}

/** app.json formation types the release does not define (the build warns about them). */
export function undefinedFormationTypes(manifest: Record<string, FormationSpec>, processTypes: ProcessTypes): string[] {
  return Object.keys(manifest)
    .filter((t) => !(t in processTypes))
    .sort();
}
