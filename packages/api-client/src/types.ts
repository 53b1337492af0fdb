/** Shapes of the HTTP API (/api/v1), shared by the server's views, the CLI and tests. */

export interface UserView {
  id: string;
  email: string;
  name: string | null;
  isAdmin: boolean;
}

export interface AppView {
  id: string;
  name: string;
  url: string;
  gitUrl: string;
  createdAt: string;
  currentRelease: number | null;
}

export type ReleaseStatus = 'pending' | 'deploying' | 'succeeded' | 'failed';

export interface ReleaseView {
  version: number;
  status: ReleaseStatus;
  statusReason: string | null;
  description: string;
  current: boolean;
  imageRef: string | null;
  commit: string | null;
  buildNumber: number | null;
  processTypes: Record<string, string>;
  createdBy: string | null;
  createdAt: string;
  deployedAt: string | null;
}

export type BuildStatus = 'queued' | 'building' | 'succeeded' | 'failed';

export interface BuildView {
  number: number;
  status: BuildStatus;
  commit: string;
  ref: string;
  strategy: string | null;
  error: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  log?: string | null;
}

export interface FormationView {
  type: string;
  quantity: number;
  size: string;
  command: string | null;
}

export interface AppInfoView extends AppView {
  release: ReleaseView | null;
  latestRelease: ReleaseView | null;
  latestBuild: BuildView | null;
  formation: FormationView[];
}

export type InstanceStateName = 'starting' | 'up' | 'crashed' | 'stopping';

export interface InstanceView {
  id: string;
  process: string;
  type: string;
  release: number;
  state: InstanceStateName;
  host: string;
  port: number | null;
  startedAt: string;
  exitCode: number | null;
  message: string | null;
}

export interface LogLineView {
  id: string;
  time: string;
  source: 'app' | 'build' | 'gantry' | 'router';
  process: string;
  line: string;
}

export interface HealthView {
  ok: boolean;
  services: Record<string, { ok: boolean; detail?: string }>;
}

export interface ErrorBody {
  error: { id: string; message: string; details?: Record<string, unknown> };
}
