/**
 * Reads the cluster into the pure core's types: hosts (the hosts table plus agents' heartbeats)
 * and one app's desired state (releases, formation). The scheduler holds no state of its own
 * between passes: everything comes from Postgres and Redis each time.
 */
import { DEFAULT_SIZE, SLEEPING_TYPES, type RouteSleep, HA_DCS_TYPE, HA_MEMBER_TYPES, volumeDockerName, customDomainProblem, findSize, type HealthChecks, type ReleaseManifest, type SidecarSpec } from '@gantry/core';
import type { Db, FormationEntry, Release } from '@gantry/db';
import { hostIsUp, type HostBeat, type HostRegistry } from '@gantry/live';
import { keepApart, launcherOf, type VolumePin, type AppDesired, type Constraint, type HostView, type Launcher, type ProcessSpec, type ReleaseSpec, type Resources, type RouteOptions } from '@gantry/scheduler-core';

export interface HostState {
  view: HostView;
  name: string;
  address: string;
  beat: HostBeat | null;
}

export async function loadHosts(db: Db, registry: HostRegistry, now: number, graceMs: number, cpuOvercommit = 1): Promise<Map<string, HostState>> {
  const rows = await db.host.findMany({ orderBy: { name: 'asc' } });
  const beats = await registry.beats(rows.map((h) => h.id));
  const out = new Map<string, HostState>();
  for (const h of rows) {
    const beat = beats.get(h.id) ?? null;
    out.set(h.id, {
      name: h.name,
      address: h.address,
      beat,
      view: {
        id: h.id,
        name: h.name,
        up: hostIsUp(beat, now, graceMs),
        draining: h.draining,
        labels: { ...(h.labels as Record<string, string>), 'gantry.host': h.name },
        capacity: { memoryBytes: Number(h.memoryBytes), cpuShares: Math.round(h.cpus * 1024 * cpuOvercommit) },
      },
    });
  }
  return out;
}

export function resourcesOf(size: string): Resources {
  const s = findSize(size) ?? findSize(DEFAULT_SIZE)!;
  return { memoryBytes: s.memoryBytes, cpuShares: s.cpuShares };
}

export interface ReleaseRuntime {
  spec: ReleaseSpec;
  imageRef: string | null;
  config: Record<string, string>;
  healthChecks: HealthChecks;
  launcher: Launcher;
  /** app.json "sidecars" of the release, per process type. */
  sidecars: Record<string, SidecarSpec[]>;
}

export interface AppState {
  /**
   * primaryType: the process type `<app>.internal` names (web; an add-on app's server type).
   * ha: an HA add-on's backing app, whose name names its elected leader instead.
   */
  app: { id: string; name: string; teamId: string; primaryType: string; ha: boolean };
  /** Every hostname it answers at (its own and custom domains), and its router options. */
  routing: { hostnames: string[]; options: RouteOptions };
  desired: AppDesired;
  releases: Map<string, ReleaseRuntime>;
  sizes: Record<string, string>;
}

/** Stored custom domains already warned about, so a refused one is logged once per process, not every pass. */
const refusedDomains = new Set<string>();

/**
 * Custom domains stored before the rules of core's custom-domain.ts existed (an IP, an internal
 * name) are not routed: the same check as `domains:add`, applied to what the database holds.
 */
function routableDomains(app: { name: string; domains: { hostname: string }[] }, appsDomain: string, warn?: (message: string) => void): string[] {
  return app.domains
    .filter(({ hostname }) => {
      const problem = customDomainProblem(hostname, { appsDomain });
      if (problem && warn && !refusedDomains.has(hostname)) {
        refusedDomains.add(hostname);
        warn(`custom domain ${JSON.stringify(hostname)} of ${app.name} is not routed: it ${problem} (gantry domains:remove ${hostname} -a ${app.name})`);
      }
      return !problem;
    })
    .map((d) => d.hostname);
}

/** The app's desired state, or null when the app no longer exists. */
export async function loadApp(db: Db, appId: string, appsDomain: string, installation: string, wakeTimeoutMs: number, warn?: (message: string) => void): Promise<AppState | null> {
  const app = await db.app.findUnique({
    where: { id: appId },
    include: { formation: true, domains: { select: { hostname: true }, orderBy: { hostname: 'asc' } }, volumes: { orderBy: { name: 'asc' } }, addon: { select: { ha: true } } },
  });
  if (!app) return null;
  const ha = app.addon?.ha === true;
  const ids = [app.currentReleaseId, app.targetReleaseId].filter((x): x is string => Boolean(x));
  const rows = await db.release.findMany({ where: { id: { in: ids } }, include: { build: { select: { strategy: true } } } });
  const releases = new Map(rows.map((r) => [r.id, runtimeOf(r, r.build?.strategy ?? null)]));
  const formation: Record<string, ProcessSpec> = {};
  const sizes: Record<string, string> = {};
  for (const f of app.formation) {
    const volumes = app.volumes
      .filter((v) => v.processType === f.type && v.mountPath)
      .map((v): VolumePin => ({ name: v.name, id: v.id, hostId: v.hostId, source: volumeDockerName(installation, v.name), target: v.mountPath!, concurrent: v.concurrent, movingTo: v.movingTo }));
    // A sleeping type runs nothing; its count comes back when it wakes.
    formation[f.type] = { quantity: f.sleepingSince ? 0 : f.quantity, resources: resourcesOf(f.size), constraints: (f.constraints as unknown as Constraint[]) ?? [], ...(volumes.length ? { volumes } : {}) };
    sizes[f.type] = f.size;
  }
  if (ha) {
    const bound = [...new Set(app.volumes.map((v) => v.hostId).filter((h): h is string => h !== null))];
    const hostNames = new Map((await db.host.findMany({ where: { id: { in: bound } }, select: { id: true, name: true } })).map((h) => [h.id, h.name]));
    Object.assign(formation, keepApart(formation, [...HA_MEMBER_TYPES, HA_DCS_TYPE], (id) => hostNames.get(id)));
  }
  const current = app.currentReleaseId ? (releases.get(app.currentReleaseId)?.spec ?? null) : null;
  const target = app.targetReleaseId ? (releases.get(app.targetReleaseId)?.spec ?? null) : null;
  return {
    app: { id: app.id, name: app.name, teamId: app.teamId, primaryType: app.kind === 'addon' ? (app.formation[0]?.type ?? 'web') : 'web', ha },
    routing: {
      hostnames: [`${app.name}.${appsDomain}`.toLowerCase(), ...routableDomains(app, appsDomain, warn)],
      options: { firstByteMs: app.firstByteTimeout * 1000, idleMs: app.idleTimeout * 1000, httpsRedirect: app.httpsRedirect, ...routeSleep(app.formation, wakeTimeoutMs) },
    },
    // A release without an image (config set before the first push) has nothing to run.
    desired: { appId: app.id, current: current && releases.get(current.id)!.imageRef ? current : null, target, formation, batchSize: app.deployBatch },
    releases,
    sizes,
  };
}

/** Routers hold requests for a web type that sleeps (or was just woken) instead of answering 503. */
function routeSleep(formation: FormationEntry[], wakeTimeoutMs: number): { sleep?: RouteSleep } {
  const web = formation.find((f) => SLEEPING_TYPES.includes(f.type) && f.sleepAfter !== null);
  if (!web) return {};
  return { sleep: { asleep: web.sleepingSince !== null, wokeAt: web.sleepingSince ? null : (web.awakeSince?.getTime() ?? null), wakeTimeoutMs } };
}

function runtimeOf(r: Release, strategy: string | null): ReleaseRuntime {
  return {
    spec: { id: r.id, version: r.version, processTypes: r.processTypes as Record<string, string> },
    imageRef: r.imageRef,
    config: r.config as Record<string, string>,
    healthChecks: r.healthChecks as unknown as HealthChecks,
    launcher: launcherOf(strategy),
    sidecars: ((r.manifest ?? {}) as ReleaseManifest).sidecars ?? {},
  };
}
