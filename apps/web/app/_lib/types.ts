import type { AppView } from '@gantry/api-client';

/** GET /dashboard/apps[/:app]: an app with its state and the caller's role. */
export interface AppSummary extends AppView {
  state: 'running' | 'deploying' | 'crashed' | 'idle';
  instances: { total: number; up: number };
  lastDeploy: string | null;
  latestBuild: { number: number; status: string } | null;
  role: 'owner' | 'admin' | 'member' | 'viewer' | null;
  canWrite: boolean;
}

export type BuildOutputEntry = { kind: 'line'; text: string } | { kind: 'end'; ok: boolean; message: string };

/** GET /apps/:app/metrics/instances?window=: per-instance usage per bucket. */
export interface InstanceSeriesView {
  bucketSeconds: number;
  times: string[];
  instances: { id: string; process: string; cpuPercent: (number | null)[]; memUsed: (number | null)[] }[];
}
