import type { AppInfoView, AppMetricsView, AppView, BuildView, FormationEntryView, FormationView, InstanceMetricsView, InstanceStateName, InstanceUsageView, InstanceView, LogLineView, ReleaseView, SidecarView, UserView } from '@gantry/api-client';
import type { Config } from '@gantry/config';
import type { App, Build, FormationEntry, Release, User } from '@gantry/db';
import { METRICS_BUCKET_MS, type AppMetrics, type InstanceSample, type LogEntry } from '@gantry/live';
import { INSTANCE_PORT, type Allocation, type AllocationState, type AllocationStatus, type PlacementReport, type SidecarState } from '@gantry/scheduler-core';
import { INTERNAL_DOMAIN, typeName } from '@gantry/core';

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

export function userView(u: Pick<User, 'id' | 'email' | 'name' | 'isAdmin'>): UserView {
  return { id: u.id, email: u.email, name: u.name, isAdmin: u.isAdmin };
}

export function appView(config: Config, app: App, currentVersion: number | null = null): AppView {
  return {
    id: app.id,
    name: app.name,
    url: config.urls.app(app.name),
    gitUrl: `${config.urls.git}/${app.name}.git`,
    createdAt: app.createdAt.toISOString(),
    currentRelease: currentVersion,
  };
}

export function releaseView(r: Release, currentReleaseId: string | null, build?: Pick<Build, 'number' | 'commitSha'> | null, createdBy?: string | null): ReleaseView {
  return {
    version: r.version,
    status: r.status,
    statusReason: r.statusReason,
    description: r.description,
    current: r.id === currentReleaseId,
    imageRef: r.imageRef,
    commit: build?.commitSha ?? null,
    buildNumber: build?.number ?? null,
    processTypes: r.processTypes as Record<string, string>,
    createdBy: createdBy ?? null,
    createdAt: r.createdAt.toISOString(),
    deployedAt: iso(r.deployedAt),
  };
}

export function buildView(b: Omit<Build, 'log'> & { log?: string | null }, withLog = false): BuildView {
  return {
    number: b.number,
    status: b.status,
    commit: b.commitSha,
    ref: b.ref,
    strategy: b.strategy,
    error: b.error,
    createdAt: b.createdAt.toISOString(),
    startedAt: iso(b.startedAt),
    finishedAt: iso(b.finishedAt),
    ...(withLog ? { log: b.log ?? null } : {}),
  };
}

export function formationView(f: FormationEntry, processTypes: Record<string, string>): FormationView {
  return { type: f.type, quantity: f.quantity, size: f.size, command: processTypes[f.type] ?? null, sleepAfter: f.sleepAfter, sleepingSince: f.sleepingSince?.toISOString() ?? null };
}

export function appInfoView(
  config: Config,
  info: { app: App; currentRelease: Release | null; latestRelease: Release | null; latestBuild: Build | null; formation: FormationEntry[] },
): AppInfoView {
  const cur = info.app.currentReleaseId;
  const types = (info.currentRelease?.processTypes ?? {}) as Record<string, string>;
  return {
    ...appView(config, info.app, info.currentRelease?.version ?? null),
    release: info.currentRelease ? releaseView(info.currentRelease, cur) : null,
    latestRelease: info.latestRelease ? releaseView(info.latestRelease, cur) : null,
    latestBuild: info.latestBuild ? buildView(info.latestBuild) : null,
    formation: info.formation.filter((f) => f.type in types || Object.keys(types).length === 0).map((f) => formationView(f, types)),
    privateNames: privateNamesOf(info.app.name, Object.keys(types).filter((t) => t !== 'release')),
    privatePort: INSTANCE_PORT,
  };
}

/** The app's own name (its web type) and one per process type, as its team's instances resolve them. */
function privateNamesOf(app: string, types: string[]): AppInfoView['privateNames'] {
  const out: AppInfoView['privateNames'] = [];
  if (types.includes('web')) out.push({ name: `${app}.${INTERNAL_DOMAIN}`, type: 'web' });
  for (const t of [...types].sort()) out.push({ name: typeName(t, app), type: t });
  return out;
}

const DISPLAY: Record<AllocationStatus, InstanceStateName> = {
  pending: 'pending',
  starting: 'starting',
  healthy: 'up',
  unhealthy: 'unhealthy',
  crashed: 'crashed',
  stopped: 'stopped',
  lost: 'lost',
};

/** One allocation as `gantry ps` shows it. */
export function instanceView(
  a: Allocation,
  state: AllocationState | null,
  release: number | null,
  host: { name: string; up: boolean } | null,
  sample: InstanceSample | null = null,
  now = Date.now(),
): InstanceView {
  const status: InstanceStateName = host && !host.up ? 'lost' : a.desired === 'stop' ? 'stopping' : DISPLAY[state?.status ?? 'pending'];
  return {
    id: a.id,
    process: `${a.type}.${a.index}`,
    type: a.type,
    release,
    state: status,
    host: host?.name ?? null,
    address: state?.address ?? null,
    port: state?.port ?? null,
    privateIp: state?.privateIp ?? null,
    since: new Date(state?.since ?? a.createdAt).toISOString(),
    exitCode: state?.exitCode ?? null,
    restarts: state?.restarts ?? 0,
    message: state?.message ?? null,
    routed: a.routed,
    ...(state?.sidecars?.length ? { sidecars: state.sidecars.map((sc) => sidecarView(`${a.type}.${a.index}`, sc)) } : {}),
    ...(sample ? instanceUsageView(sample, now) : {}),
  };
}

export function sidecarView(process: string, s: SidecarState): SidecarView {
  return { name: s.name, process: `${process}/${s.name}`, state: s.status, restarts: s.restarts, since: new Date(s.since).toISOString(), exitCode: s.exitCode ?? null, message: s.message ?? null };
}

/** CPU, memory and uptime of an instance from its agent's latest sample. */
export function instanceUsageView(s: InstanceSample, now: number): InstanceUsageView {
  return { cpuPercent: s.cpuPercent, memUsed: s.memUsed, memLimit: s.memLimit, uptime: Math.max(0, Math.round((now - s.startedAt) / 1000)) };
}

export function instanceMetricsView(s: InstanceSample, now: number): InstanceMetricsView {
  return { id: s.allocId, process: s.process, restarts: s.restarts, startedAt: new Date(s.startedAt).toISOString(), at: new Date(s.at).toISOString(), ...instanceUsageView(s, now) };
}

/** An app's metrics over a window (the per-bucket histograms stay on the server). */
export function appMetricsView(app: string, m: AppMetrics): AppMetricsView {
  const { requests, rps, status, p50, p95, p99, mean } = m.router;
  return {
    app,
    window: m.windowMs / 1000,
    bucketSeconds: METRICS_BUCKET_MS / 1000,
    from: new Date(m.from).toISOString(),
    to: new Date(m.to).toISOString(),
    router: { requests, rps, status, p50, p95, p99, mean },
    series: m.series.map((b) => ({
      at: new Date(b.at).toISOString(),
      requests: b.requests,
      status: b.status,
      p50: b.p50,
      p95: b.p95,
      p99: b.p99,
      mean: b.mean,
      cpuPercent: b.usage.cpuPercent,
      memUsed: b.usage.memUsed,
    })),
    instances: m.instances.map((s) => instanceMetricsView(s, m.to)),
  };
}

/** A slot the scheduler could not place, with the reason. */
export function pendingView(slot: string, report: PlacementReport): InstanceView {
  const [type, index] = slot.split('.');
  return { id: '', process: slot, type: type!, release: null, state: 'pending', host: null, address: null, port: null, privateIp: null, since: new Date().toISOString(), exitCode: null, restarts: 0, message: report.summary, routed: false };
}

export function formationEntryView(f: FormationEntry, processTypes: Record<string, string>): FormationEntryView {
  return {
    type: f.type,
    quantity: f.quantity,
    size: f.size,
    command: processTypes[f.type] ?? null,
    constraints: f.constraints as FormationEntryView['constraints'],
    sleepAfter: f.sleepAfter,
    sleepingSince: f.sleepingSince?.toISOString() ?? null,
  };
}

export function logLineView(e: LogEntry): LogLineView {
  return { id: e.id, time: new Date(e.time).toISOString(), source: e.source, process: e.process, line: e.line };
}
