/**
 * The scheduler's view of the cluster, as plain data. The pure core (placement, planApp) reads
 * these and returns decisions; it never talks to Docker, Redis or Postgres.
 *
 * Glossary
 *   host        a Docker engine Gantry runs instances on, with an agent reporting for it
 *   allocation  the scheduler's decision that one instance (app, release, process type, index)
 *               runs on one host; it carries its placement report
 *   status      what the host's agent observes about an allocation's container
 *   slot        (process type, index): web.1, web.2 ... the formation asks for
 */
import type { HealthCheck, LivenessCheck, RouteSleep } from '@gantry/core';

export interface Resources {
  memoryBytes: number;
  /** CPU shares: 1024 = one CPU. */
  cpuShares: number;
}

export interface HostView {
  id: string;
  name: string;
  /** Agent heartbeating and its Docker reachable. */
  up: boolean;
  draining: boolean;
  /** Includes the built-in gantry.host=<name>. */
  labels: Record<string, string>;
  capacity: Resources;
}

/** label=value or label!=value; all of a process type's constraints must hold. */
export interface Constraint {
  label: string;
  op: '=' | '!=';
  value: string;
}

export interface PlacementRequest {
  appId: string;
  type: string;
  index: number;
  resources: Resources;
  constraints: Constraint[];
  /** Volumes the process type mounts: it can only run on the host each of them lives on. */
  volumes?: VolumePin[];
}

/** A volume a process type mounts, and the host it lives on. */
export interface VolumePin {
  /** The volume's Gantry name (what the report says). */
  name: string;
  id: string;
  /** null: not bound yet; the first placement binds it to the chosen host. */
  hostId: string | null;
  /** Docker volume name on that host, and where it is mounted in the container. */
  source: string;
  target: string;
  /** Releases may overlap on it during a deploy (the app said it can); else the old writer stops first. */
  concurrent: boolean;
  /**
   * Set while its data is copied to another host (volumes:move, addons:move, hosts:drain --move):
   * that host's id. Its users then run nowhere: they stop, and are placed again once it is cleared.
   */
  movingTo?: string | null;
}

/** One allocation already on (or planned onto) a host, as placement needs to count it. */
export interface PlacedUnit {
  hostId: string;
  appId: string;
  type: string;
  resources: Resources;
}

export interface HostScore {
  host: string;
  /** Each ranker's score in [0, 1], and their weighted total. */
  scores: Record<string, number>;
  total: number;
}

export interface Rejection {
  host: string;
  filter: string;
  reason: string;
}

/** Why an allocation is where it is, or why it could not be placed. */
export interface PlacementReport {
  chosen: string | null;
  evaluated: number;
  /** Per-host rejections (all of them for small clusters; the first few per filter for large). */
  rejections: Rejection[];
  /** Count of rejected hosts per filter. */
  rejectedBy: Record<string, number>;
  /** Scores of the best-ranked feasible hosts, best first. */
  top: HostScore[];
  /** Human summary, e.g. "placed on host-b: spread 1.00, binpack 0.42". */
  summary: string;
  /** What else decided or followed from it, for people: "volume data lives on host-b: worker runs there only". */
  notes?: string[];
}

export type AllocationStatus =
  /** Command sent; the agent has not reported yet. */
  | 'pending'
  /** Container started, startup health check not passed yet. */
  | 'starting'
  | 'healthy'
  /** Running but failing its liveness check. */
  | 'unhealthy'
  /** Exited (and restarting under its restart policy), or failed to start. */
  | 'crashed'
  /** Stopped and removed by the agent. */
  | 'stopped'
  /** Its host is down. */
  | 'lost';

export interface Allocation {
  id: string;
  appId: string;
  releaseId: string;
  type: string;
  index: number;
  hostId: string;
  resources: Resources;
  /** "run", or "stop": leave routing, drain, then stop. */
  desired: 'run' | 'stop';
  /** May take traffic when healthy. */
  routed: boolean;
  createdAt: number;
  /** When desired became "stop": the stop command goes out after the drain time. */
  stopRequestedAt?: number;
  report: PlacementReport;
  /** How its agent checks it (kept here so an agent that restarts can adopt the container). */
  launch?: LaunchChecks;
  /**
   * The volumes it was started with, as mountsKey() writes them. Absent on allocations placed
   * before volumes of apps existed: those are taken as matching (no churn on upgrade).
   */
  mounts?: string[];
}

export interface LaunchChecks {
  startup: HealthCheck;
  liveness: LivenessCheck | null;
  hostHeader: string;
  exposesPort: boolean;
}

export interface AllocationState {
  status: AllocationStatus;
  /** When the status last changed (epoch ms). */
  since: number;
  exitCode?: number | null;
  /** Where routers reach it. */
  address?: string;
  port?: number | null;
  /** Its address on its team's private network (what its internal names resolve to). */
  privateIp?: string | null;
  restarts?: number;
  message?: string | null;
  /** Its sidecars as its agent supervises them (app.json "sidecars"). */
  sidecars?: SidecarState[];
}

/** One sidecar of an instance: running, or waiting to start again (after a crash, with backoff). */
export interface SidecarState {
  name: string;
  status: 'running' | 'restarting';
  since: number;
  restarts: number;
  exitCode?: number | null;
  message?: string | null;
}

export interface ReleaseSpec {
  id: string;
  version: number;
  /** Process types of the release (type -> command). */
  processTypes: Record<string, string>;
}

export interface ProcessSpec {
  quantity: number;
  resources: Resources;
  constraints: Constraint[];
  /** Volumes its instances mount (none when absent). */
  volumes?: VolumePin[];
}

/** What an app should run: its serving release and, during a deploy, the release replacing it. */
export interface AppDesired {
  appId: string;
  current: ReleaseSpec | null;
  /** The release being deployed; equal to current (or null) when no deploy is in progress. */
  target: ReleaseSpec | null;
  formation: Record<string, ProcessSpec>;
  /** Instances replaced at a time in a deploy; null = all at once. */
  batchSize: number | null;
  /**
   * Allocations a user asked to restart (`ps:restart`: a replacement starts, the old one leaves
   * once it is healthy) or to stop (`ps:stop`: it leaves now, a replacement keeps the formation).
   */
  restarts?: Record<string, RestartMode>;
}

export type RestartMode = 'restart' | 'stop';

/** One instance a router may send requests to. */
export interface Backend {
  /** Allocation id. */
  id: string;
  /** Address routers connect to (the Docker host's address) and the published port. */
  host: string;
  port: number;
  /** Process name as shown in logs, e.g. "web.1". */
  process: string;
}

/** Per-app router behaviour. */
export interface RouteOptions {
  /** Time to the first byte of a response before a 504. */
  firstByteMs: number;
  /** Streams (SSE, websockets) idle this long are closed. */
  idleMs: number;
  /** Plain HTTP requests get a redirect to HTTPS. */
  httpsRedirect: boolean;
  /** Set when the web type may sleep: routers hold requests while it sleeps or wakes. */
  sleep?: RouteSleep;
}

/** What routers serve for a hostname. */
export interface Route {
  app: string;
  appId: string;
  /** Healthy instances; an empty list means the app exists but has nothing to serve (503). */
  backends: Backend[];
  options?: RouteOptions;
}
