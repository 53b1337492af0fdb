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

export type ReleaseStatus = 'pending' | 'releasing' | 'deploying' | 'succeeded' | 'failed' | 'superseded';

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
  /** ps:sleep: seconds without a request before it sleeps; null: never sleeps. */
  sleepAfter: number | null;
  /** ISO time since when it sleeps; null: awake. */
  sleepingSince: string | null;
}

export interface AppInfoView extends AppView {
  release: ReleaseView | null;
  latestRelease: ReleaseView | null;
  latestBuild: BuildView | null;
  formation: FormationView[];
  /** Names its instances have on the team's private network, and the port they listen on there ($PORT). */
  privateNames: { name: string; type: string }[];
  privatePort: number;
}

export type InstanceStateName = 'pending' | 'starting' | 'up' | 'unhealthy' | 'crashed' | 'stopping' | 'stopped' | 'lost';

export interface InstanceView {
  /** Allocation id ("" for a slot that could not be placed). */
  id: string;
  process: string;
  type: string;
  release: number | null;
  state: InstanceStateName;
  host: string | null;
  address: string | null;
  port: number | null;
  /** Its address on the team's private network (reachable from the team's instances on every host). */
  privateIp: string | null;
  /** When the state last changed. */
  since: string;
  exitCode: number | null;
  restarts: number;
  /** Why it is in this state (crash reason with last output, pending placement reason...). */
  message: string | null;
  routed: boolean;
  /** Its sidecars (app.json "sidecars"), as its agent supervises them; absent when it has none. */
  sidecars?: SidecarView[];
}

export interface SidecarView {
  name: string;
  /** "web.1/metrics": the process its log lines carry. */
  process: string;
  /** running, or restarting (exited; started again after a backoff, or with its instance). */
  state: 'running' | 'restarting';
  restarts: number;
  since: string;
  exitCode: number | null;
  message: string | null;
}

/** What ps:restart / ps:stop asked to replace. */
export interface RestartView {
  processes: string[];
}

export interface FormationEntryView {
  type: string;
  quantity: number;
  size: string;
  command: string | null;
  constraints: { label: string; op: '=' | '!='; value: string }[];
  /** ps:sleep: seconds without a request before the type sleeps; null: never sleeps. */
  sleepAfter: number | null;
  /** ISO time since when the type sleeps (zero instances; a request wakes it); null: awake. */
  sleepingSince: string | null;
}

/** PUT /apps/:app/formation/:type/sleep (ps:sleep). */
export interface SleepInput {
  /** "30m", "2h", "1d" or seconds. */
  after?: string | number;
  off?: boolean;
  now?: boolean;
}

export interface ExplainView {
  process: string;
  placed: boolean;
  host: string | null;
  /** Human-readable lines: every filter's rejection and every ranker's score. */
  lines: string[];
  report: unknown;
}

/** An installation setting (GET /settings; Gantry admins). */
export interface SettingView {
  key: string;
  /** As typed to set it, e.g. "10.0.0.0/8,192.168.5.0/24"; empty when unset. */
  value: string;
  help: string;
  updatedAt: string | null;
}

export interface HostView {
  id: string;
  name: string;
  dockerUrl: string;
  /** unix socket, TLS with a client certificate, or plain tcp:// an admin accepted with --insecure. */
  dockerTransport: 'unix' | 'tls' | 'insecure';
  address: string;
  labels: Record<string, string>;
  cpus: number;
  memoryBytes: number;
  managed: boolean;
  draining: boolean;
  status: 'up' | 'down';
  lastSeen: string | null;
  dockerError: string | null;
  usage: { cpuPercent: number; memoryBytes: number; containers: number } | null;
  allocated: { memoryBytes: number; cpuShares: number; instances: number };
  /** For hosts whose agent runs elsewhere: how to run it there. */
  agentCommand: string | null;
}

export interface LogLineView {
  id: string;
  time: string;
  source: 'app' | 'build' | 'gantry' | 'router' | 'release' | 'cron' | 'autoscale';
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

export interface DomainView {
  hostname: string;
  /** "default" is <app>.<apps domain>; "custom" ones were added. */
  kind: 'default' | 'custom';
  createdAt: string;
}

export interface CertView {
  id: string;
  hostnames: string[];
  fingerprint: string;
  notBefore: string;
  notAfter: string;
  createdAt: string;
}

export interface RouterSettingsView {
  httpsRedirect: boolean;
  /** Seconds to the first byte of a response before a 504. */
  firstByteTimeout: number;
  /** Seconds a stream (SSE, websocket) may stay idle. */
  idleTimeout: number;
}

export interface DrainView {
  id: string;
  /** syslog+tls://host:port, syslog://host:port or an http(s):// URL. */
  url: string;
  /** "d.<uuid>": sent with every message (syslog hostname, Logplex-Drain-Token header). */
  token: string;
  createdAt: string;
  /** The forwarder's counters, once it has forwarded to this drain. */
  stats?: { delivered: number; dropped: number; queued: number; error?: string; at: string };
}

/** Usage of an instance as its agent last measured it (on `ps` entries, where a sample exists). */
export interface InstanceUsageView {
  /** null until the agent has two readings. */
  cpuPercent: number | null;
  /** Bytes in use (without page cache) and the instance's memory limit. */
  memUsed: number;
  memLimit: number;
  /** Seconds since the container last started. */
  uptime: number;
}

// Declaration merging (adds to InstanceView above): `ps` entries carry the usage fields when the
// agent sampled the instance lately, and leave them out otherwise.
export interface InstanceView {
  cpuPercent?: InstanceUsageView['cpuPercent'];
  memUsed?: number;
  memLimit?: number;
  uptime?: number;
}

export type StatusClassCounts = Record<'2xx' | '3xx' | '4xx' | '5xx', number>;

export interface LatencyView {
  /** Milliseconds; null without requests. */
  p50: number | null;
  p95: number | null;
  p99: number | null;
  mean: number | null;
}

/** `GET /apps/:app/metrics?window=600`: the router's and the instances' figures over the window. */
export interface AppMetricsView {
  app: string;
  /** Seconds covered (whole 10 s buckets, the current partial one included). */
  window: number;
  bucketSeconds: number;
  from: string;
  to: string;
  router: LatencyView & { requests: number; rps: number; status: StatusClassCounts };
  /** One entry per bucket, oldest first. */
  series: (LatencyView & { at: string; requests: number; status: StatusClassCounts; cpuPercent: number; memUsed: number })[];
  instances: InstanceMetricsView[];
}

export interface InstanceMetricsView extends InstanceUsageView {
  id: string;
  process: string;
  restarts: number;
  startedAt: string;
  /** When the sample was taken. */
  at: string;
}

export type RoleName = 'owner' | 'admin' | 'member' | 'viewer';

/** `GET /teams`: a team the caller belongs to, with their role. */
export interface TeamView {
  id: string;
  name: string;
  personal: boolean;
  role: RoleName;
  members: number;
  apps: number;
  createdAt: string;
}

export interface MemberView {
  email: string;
  name: string | null;
  role: RoleName;
  since: string;
}

export interface InvitationView {
  id: string;
  team: string;
  email: string | null;
  role: RoleName;
  createdAt: string;
  expiresAt: string;
}

/** `GET /invitations/:token`: what a link offers its holder, and whether they can accept it. */
export interface InvitationOfferView extends InvitationView {
  canAccept: boolean;
  /** Why not (expired, for another email, already a member), else null. */
  problem: string | null;
}

/** `POST /teams/:team/invitations`: the link is shown once (only its hash is stored). */
export interface NewInvitationView extends InvitationView {
  token: string;
  /** "/invitations/<token>", and the same on the API's host. */
  path: string;
  url: string;
}

/** An API token of the caller: never its secret. */
export interface TokenView {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  /** The token this request was made with. */
  current: boolean;
}

export interface NewTokenView extends TokenView {
  /** The secret, shown once. */
  token: string;
}

/** One audit log entry; config changes carry keys only, never values. */
export interface AuditEventView {
  id: string;
  time: string;
  actor: string | null;
  action: string;
  target: string;
  app: string | null;
  details: Record<string, unknown>;
}

/** The app's own buildpack list (GET/PATCH /apps/:app/buildpacks), in order; empty: app.json, .buildpacks, BUILDPACK_URL or detection. */
export interface BuildpacksView {
  app: string;
  /** Built-in names ("heroku/nodejs") or http(s) git URLs ("#ref" optional). */
  buildpacks: string[];
}

/** One edit of that list, as Heroku's buildpacks:add / set / remove / clear (indexes 1-based). */
export type BuildpackEditBody =
  | { action: 'add'; url: string; index?: number }
  | { action: 'set'; url: string; index?: number }
  | { action: 'remove'; url?: string; index?: number }
  | { action: 'clear' };

/** One run of a scheduled job (one due time): run, skipped, or failed to start. */
export interface CronRunView {
  id: string;
  jobId: string;
  /** The time the schedule named (UTC). */
  dueAt: string;
  status: 'running' | 'succeeded' | 'failed' | 'skipped';
  releaseVersion: number | null;
  startedAt: string | null;
  finishedAt: string | null;
  /** finishedAt - startedAt, when both are known. */
  durationMs: number | null;
  exitCode: number | null;
  reason: string | null;
}

/** A scheduled job of an app. */
export interface CronJobView {
  id: string;
  /** UTC cron expression: 5 fields, or 6 with seconds first; @daily...; @every 30s. */
  schedule: string;
  command: string;
  source: 'cli' | 'app.json';
  createdAt: string;
  nextRunAt: string | null;
  lastRun: CronRunView | null;
}

/** A managed data service (add-on) of a team: a Postgres or Redis server on one host. */
export type AddonKind = 'postgres' | 'redis';
export type AddonPlan = 'small' | 'medium' | 'large';

/** An add-on as `addons` and `addons:info` show it. */
export interface AddonView {
  name: string;
  kind: AddonKind;
  plan: AddonPlan;
  team: string;
  /** The add-on server's state: "provisioning", "available", "restarting", "unavailable" (host down, crashed). */
  state: string;
  /** The host its data lives on (null until its server is first placed), and the name it answers at on the team's private network. */
  host: string | null;
  privateName: string;
  port: number;
  /** The Docker volume holding its data. */
  volume: string;
  attachments: AddonAttachmentView[];
  /** The newest backup (null: none yet). */
  lastBackup: BackupView | null;
  /** "HH:MM" UTC of the daily backup, and how many scheduled backups are kept (null: not scheduled). */
  backupSchedule: { at: string; keep: number } | null;
  /** An HA add-on's cluster (addons:create postgres --ha); null for a single server. */
  ha: AddonHaView | null;
  createdAt: string;
}

/** An HA add-on: its elected leader ("pg1.1", null while none) and its members and etcd. */
export interface AddonHaView {
  leader: string | null;
  members: AddonHaMemberView[];
  /** When the add-on's etcd was last read (ISO), and why the last read failed (null: it worked). */
  readAt: string | null;
  error: string | null;
}

export interface AddonHaMemberView {
  /** pg1, pg2 (Postgres members) or etcd. */
  type: string;
  name: string;
  host: string | null;
  volume: string;
  /** primary, replica (Patroni's roles), etcd. */
  role: string;
  /** running, streaming... as Patroni says. */
  state: string;
  /** The synchronous standby: every acknowledged commit is on it. */
  sync: boolean;
  lagBytes: number | null;
}

/** An app's use of an add-on: the app has `<name>_URL` (DATABASE_URL...) in its config. */
export interface AddonAttachmentView {
  addon: string;
  app: string;
  /** DATABASE */
  name: string;
  /** DATABASE_URL */
  configVar: string;
  createdAt: string;
}

/** What `addons:create`, `addons:attach`, `addons:detach` and `pg:credentials:rotate` changed: the releases they made. */
export interface AddonChangeView {
  addon: AddonView;
  /** One per app whose config changed: the release that carries the change. */
  releases: { app: string; version: number }[];
}

/** `pg:info` / `redis:info`: the server as it is now (asked live; fields the server could not tell are null). */
export interface AddonDetailsView extends AddonView {
  version: string | null;
  /** Data size in bytes (Postgres: the database; Redis: used memory). */
  sizeBytes: number | null;
  /** Open client connections. */
  connections: number | null;
  /** Postgres: tables and their row counts (estimates); Redis: keys. */
  tables: { name: string; rows: number }[] | null;
  keys: number | null;
  /** Why the live figures are missing (server down...). */
  problem: string | null;
}

/** One backup of an add-on. */
export interface BackupView {
  /** b001, b002 ... per add-on. */
  id: string;
  addon: string;
  kind: AddonKind;
  /** "manual", "scheduled" or "final" (taken by addons:destroy). */
  trigger: string;
  /** "running", "succeeded" or "failed". */
  status: string;
  error: string | null;
  bytes: number | null;
  sha256: string | null;
  /** Where the file is kept (a path in the backup store, off the add-on's host). */
  location: string | null;
  /** Restored into a scratch server and row counts compared: "pending", "passed", "failed", or null (not verified). */
  verify: string | null;
  verifyDetail: string | null;
  createdAt: string;
  finishedAt: string | null;
}

/** What volumes:move / addons:move did (POST /volumes/:name/move, POST /addons/:name/move). */
export interface MoveView {
  /** The volume (for addons:move, the add-on). */
  name: string;
  from: string;
  to: string;
  /** "copy": its users stopped while the data was copied; "replication" (Postgres): a standby caught up first. */
  method: 'copy' | 'replication';
  /** Regular files and their bytes as both hosts list them (0 for "replication"). */
  files: number;
  bytes: number;
  /** How long its users were stopped before the switch (their start on the new host comes after). */
  stoppedMs: number;
  copyMs: number;
}

/** A named volume of a team, on one host. */
export interface VolumeView {
  name: string;
  team: string;
  /** null until the first instance that mounts it is placed (the volume then lives on that host). */
  host: string | null;
  /** Mounted by app/type at path (null: not mounted). */
  app: string | null;
  processType: string | null;
  mountPath: string | null;
  /** The add-on whose data it holds (null: a volume of an app). */
  addon: string | null;
  /** The host its data is being copied to (null: not moving). */
  movingTo: string | null;
  createdAt: string;
}

/**
 * DELETE /apps/:app answers 200 with this when something outlives the app (else 204): its volumes,
 * unmounted with their data, and its add-ons, detached; each with the command that destroys it.
 */
export interface AppDestroyedView {
  app: string;
  kept: {
    volumes: { name: string; host: string | null; processType: string; mountPath: string; destroy: string }[];
    addons: { name: string; kind: string; as: string; destroy: string }[];
  };
}

/** A process type's autoscaling: its count now and its policy (null: scaled by hand). */
export interface AutoscaleView {
  type: string;
  quantity: number;
  policy: AutoscalePolicyView | null;
}

export interface AutoscalePolicyView {
  min: number;
  max: number;
  /** p95: response time (ms); rps: requests per second per instance; cpu: CPU % of one core per instance. */
  metric: 'p95' | 'rps' | 'cpu';
  target: number;
}

/** A change of a type's count by the autoscaler (gantry autoscale:events). */
export interface AutoscaleEventView {
  type: string;
  from: number;
  to: number;
  metric: 'p95' | 'rps' | 'cpu';
  observed: number;
  target: number;
  /** "p95 640 ms > 300 ms over 60 s" */
  reason: string;
  createdAt: string;
}
