import type { ReleaseManifest } from './app-manifest';

/** One command of a release phase, run in a one-off container of the new release before it starts. */
export interface PhaseStep {
  /** Names its task ("release-<release id>") and its DYNO. */
  step: 'release' | 'predeploy';
  label: string;
  command: string;
}

/** The release phase of a release, in order: the Procfile's `release` command, then Dokku's predeploy. */
export function releasePhaseSteps(processTypes: Record<string, string>, manifest: ReleaseManifest): PhaseStep[] {
  const steps: PhaseStep[] = [];
  if (processTypes.release?.trim()) steps.push({ step: 'release', label: 'Running release command', command: processTypes.release.trim() });
  if (manifest.scripts?.dokkuPredeploy) steps.push({ step: 'predeploy', label: 'Running predeploy (app.json scripts.dokku.predeploy)', command: manifest.scripts.dokkuPredeploy });
  return steps;
}

/** The heading a step's output starts with, in `git push`, the kept output and `releases:output` alike. */
export function phaseHeading(s: PhaseStep): string {
  return `-----> ${s.label}: ${s.command}`;
}

export const phaseTaskId = (step: string, releaseId: string) => `${step}-${releaseId}`;
