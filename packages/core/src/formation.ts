import type { ProcessTypes } from './procfile';
import { DEFAULT_SIZE } from './sizes';

export interface FormationEntry {
  type: string;
  quantity: number;
  size: string;
}

/**
 * The formation to run for a release: existing entries are kept; new process types get Heroku's
 * defaults (web=1, everything else 0); types the release no longer has are dropped.
 */
export function formationFor(processTypes: ProcessTypes, existing: FormationEntry[]): FormationEntry[] {
  return Object.keys(processTypes)
    .sort()
    .map((type) => existing.find((e) => e.type === type) ?? { type, quantity: type === 'web' ? 1 : 0, size: DEFAULT_SIZE });
}
