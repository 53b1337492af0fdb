/**
 * Applies one app's plan: the only place the scheduler acts.
 *
 *   forget  -> delete allocations (stopped, or on a host that is down)
 *   stop    -> "stop" commands for drained allocations
 *   unroute -> out of the route now (drain starts); route -> into the route
 *   place   -> Placer (filters, rankers, report) -> allocation + "start" command, or a pending report
 *   publish the app's route, wait until routers serve it when something left it
 *   deploy outcome -> release and app records, the push's output
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { DEFAULT_HEALTH_CHECK, DEFAULT_LIVENESS, internalRecords } from '@gantry/core';
import type { AgentCommands } from '@gantry/jobs';
import type { AddonHaStore, AllocationStore, NamesTable, RoutingTable } from '@gantry/live';
import type { Logger } from '@gantry/log';
import {
  type Allocation,
  type AllocationState,
  type AllocView,
  type AppPlan,
  type PlacedUnit,
  type VolumePin,
  Placer,
  hostnameFor,
  instanceSpec,
  mountsKey,
  routeFor,
  withSidecars,
} from '@gantry/scheduler-core';
import type { Deploys } from './deploys';
import type { AppState, HostState } from './state';
import type { VolumeBinder } from './volumes';

export interface ApplyDeps {
  allocs: AllocationStore;
  commands: AgentCommands;
  routes: RoutingTable;
  deploys: Deploys;
  log: Logger;
  installation: string;
  appsDomain: string;
  bootTimeoutMs: number;
  stopTimeoutMs: number;
  epoch: () => number;
  /** The private names table (what netds answer), written with the route. */
  names: NamesTable;
  /** HA add-ons' elected leaders (the scheduler's HA watcher keeps them). */
  leaders: Pick<AddonHaStore, 'leaderOf'>;
  /** The team's private network (made on the swarm manager when missing). */
  networks: { forTeam(teamId: string): Promise<{ name: string; subnet: string }> };
  /** Binds a volume created without a host to the host of its first user. */
  volumes: VolumeBinder;
}

/** Binds the unbound volumes to the chosen host; false when one was bound elsewhere meanwhile. */
async function bindVolumes(deps: ApplyDeps, volumes: VolumePin[], hostId: string, what: string): Promise<boolean> {
  for (const v of volumes) {
    if (v.hostId !== null) continue;
    const bound = await deps.volumes.bind(v.id, hostId);
    if (bound !== hostId) return false;
    v.hostId = hostId;
    deps.log.info(`volume ${v.name} now lives on the host of its first user (${what})`);
  }
  return true;
}

export interface ApplyInput {
  state: AppState;
  plan: AppPlan;
  allocs: AllocView[];
  hosts: Map<string, HostState>;
  /** Every allocation of the cluster (for placement: running ones count for spread, all for resources). */
  placed: Allocation[];
  now: number;
}

export async function applyPlan(deps: ApplyDeps, input: ApplyInput): Promise<void> {
  const { state, plan, now } = input;
  const byId = new Map(input.allocs.map((a) => [a.id, a]));
  const hostName = (id: string) => input.hosts.get(id)?.name ?? id;

  for (const id of plan.forget) {
    const a = byId.get(id);
    if (a) await deps.allocs.remove(a);
  }
  for (const id of plan.stop) {
    const a = byId.get(id)!;
    await deps.commands.send(a.hostId, { kind: 'stop', epoch: deps.epoch(), allocId: a.id, appId: a.appId, timeoutMs: deps.stopTimeoutMs, reason: 'drained' });
  }
  for (const { id } of plan.unroute) {
    const a = byId.get(id)!;
    const { state: _observed, ...alloc } = a;
    await deps.allocs.put({ ...alloc, desired: 'stop', routed: false, stopRequestedAt: now });
  }
  for (const id of plan.route) {
    const { state: _observed, ...alloc } = byId.get(id)!;
    await deps.allocs.put({ ...alloc, routed: true });
  }

  const pending: Record<string, Allocation['report']> = {};
  const started: string[] = [];
  if (plan.place.length) {
    // Leaving allocations still hold their memory and CPU until stopped, but must not repel
    // new replicas: they count against their host's capacity only, not for spread.
    const leaving = new Set([...input.placed.filter((a) => a.desired === 'stop').map((a) => a.id), ...plan.unroute.map((u) => u.id)]);
    const held = new Map<string, { memoryBytes: number; cpuShares: number }>();
    for (const a of input.placed) {
      if (!leaving.has(a.id)) continue;
      const h = held.get(a.hostId) ?? { memoryBytes: 0, cpuShares: 0 };
      held.set(a.hostId, { memoryBytes: h.memoryBytes + a.resources.memoryBytes, cpuShares: h.cpuShares + a.resources.cpuShares });
    }
    const placer = new Placer(
      [...input.hosts.values()].map(({ view }) => {
        const h = held.get(view.id);
        return h ? { ...view, capacity: { memoryBytes: view.capacity.memoryBytes - h.memoryBytes, cpuShares: view.capacity.cpuShares - h.cpuShares } } : view;
      }),
      input.placed.filter((a) => !leaving.has(a.id)).map((a): PlacedUnit => ({ hostId: a.hostId, appId: a.appId, type: a.type, resources: a.resources })),
    );
    for (const need of plan.place) {
      const release = state.releases.get(need.releaseId)!;
      const spec = state.desired.formation[need.type]!;
      const report = placer.place({ appId: state.app.id, type: need.type, index: need.index, resources: spec.resources, constraints: spec.constraints, ...(spec.volumes?.length ? { volumes: spec.volumes } : {}) });
      const slot = `${need.type}.${need.index}`;
      if (!report.chosen) {
        pending[slot] = report;
        continue;
      }
      const hostId = [...input.hosts.values()].find((h) => h.name === report.chosen || h.view.id === report.chosen)!.view.id;
      // A volume not bound yet lives from now on where its first user runs.
      const unbound = (spec.volumes ?? []).filter((v) => v.hostId === null).map((v) => v.name);
      if (!(await bindVolumes(deps, spec.volumes ?? [], hostId, `${state.app.name}: ${slot} placed on ${hostName(hostId)}`))) {
        pending[slot] = { ...report, chosen: null, summary: 'its volume was just bound to another host: placed again on the next pass' };
        continue;
      }
      for (const v of unbound) (report.notes ??= []).push(`volume ${v} was on no host yet: it lives on ${hostName(hostId)} from now on (where its first user runs)`);
      const allocId = randomUUID();
      const checks = release.healthChecks[need.type];
      const web = need.type === 'web';
      const launch = {
        startup: checks ?? DEFAULT_HEALTH_CHECK,
        liveness: web ? (checks?.liveness ?? DEFAULT_LIVENESS) : null,
        hostHeader: hostnameFor(state.app.name, deps.appsDomain),
        exposesPort: web,
      };
      const alloc: Allocation = {
        id: allocId,
        appId: state.app.id,
        releaseId: need.releaseId,
        type: need.type,
        index: need.index,
        hostId,
        resources: spec.resources,
        desired: 'run',
        routed: false,
        createdAt: now,
        report,
        launch,
        mounts: mountsKey(spec.volumes),
      };
      // Without its private network an instance still serves through the router: run it, say why.
      const network = await deps.networks.forTeam(state.app.teamId).catch((err: Error) => {
        deps.log.warn(`${state.app.name}: ${slot} starts without the private network: ${err.message}`);
        return null;
      });
      await deps.allocs.put(alloc);
      const instance = instanceSpec({
        installation: deps.installation,
        allocId,
        app: state.app,
        release: { id: release.spec.id, version: release.spec.version, imageRef: release.imageRef!, config: release.config },
        type: need.type,
        index: need.index,
        command: release.spec.processTypes[need.type] ?? '',
        launcher: release.launcher,
        size: state.sizes[need.type] ?? 'standard-1x',
        suffix: randomBytes(3).toString('hex'),
        network: network ? { name: network.name, subnet: network.subnet } : undefined,
        mounts: spec.volumes?.map((v) => ({ source: v.source, target: v.target })),
      });
      // Its sidecars (app.json) take their share of its size and run beside it (sidecar-spec.ts).
      const group = withSidecars(instance, release.sidecars[need.type], release.launcher);
      await deps.commands.send(hostId, {
        kind: 'start',
        epoch: deps.epoch(),
        allocId,
        appId: state.app.id,
        appName: state.app.name,
        process: slot,
        spec: group.spec,
        ...(group.sidecars.length ? { sidecars: group.sidecars } : {}),
        startup: launch.startup,
        liveness: launch.liveness,
        hostHeader: launch.hostHeader,
        bootTimeoutMs: deps.bootTimeoutMs,
      });
      started.push(`${slot} on ${hostName(hostId)}`);
      deps.log.info(`${state.app.name}: ${slot} of v${release.spec.version} -> ${hostName(hostId)} (${need.why}; ${report.summary})`);
    }
  }
  await deps.allocs.setPending(state.app.id, pending);

  const left = plan.unroute.length > 0;
  await publishRoute(deps, state, input.hosts, left);

  await deps.deploys.progress(state, {
    started,
    switched: plan.route.length > 0 && state.desired.target !== null && state.desired.target.id !== state.desired.current?.id,
    unplaceable: Object.entries(pending).map(([slot, r]) => `${slot}: ${r.summary}`),
    outcome: plan.deploy,
  });
}

/** Publishes the app's route, at all its hostnames, from its routed, healthy allocations on hosts that are up. */
export async function publishRoute(deps: Pick<ApplyDeps, 'allocs' | 'routes' | 'log' | 'names' | 'leaders'>, state: Pick<AppState, 'app' | 'routing'>, hosts: Map<string, HostState>, waitForRouters: boolean): Promise<void> {
  const allocs = await deps.allocs.ofApp(state.app.id);
  const states = await deps.allocs.states(allocs.map((a) => a.id));
  const route = routeFor(
    state.app,
    allocs.map((a) => {
      const s = states.get(a.id);
      return {
        id: a.id,
        type: a.type,
        index: a.index,
        healthy: a.desired === 'run' && a.routed && s?.status === 'healthy' && hosts.get(a.hostId)?.view.up === true,
        address: s?.address ?? hosts.get(a.hostId)?.address ?? '',
        port: s?.port ?? null,
      };
    }),
    state.routing.options,
  );
  await publishNames(deps, state, allocs, states, hosts);
  const version = await deps.routes.setApp(state.app.id, state.routing.hostnames, route);
  if (version !== null && waitForRouters) {
    const behind = await deps.routes.waitForRouters(version, 3000);
    if (behind.length) deps.log.warn(`routers ${behind.join(', ')} did not confirm table v${version} in time`);
  }
}

/**
 * Publishes the app's private names from the same allocations as its route: those that may take
 * traffic, are healthy, on a host that is up, and have a private address (all process types).
 */
async function publishNames(
  deps: Pick<ApplyDeps, 'names' | 'leaders'>,
  state: Pick<AppState, 'app'>,
  allocs: Allocation[],
  states: Map<string, AllocationState>,
  hosts: Map<string, HostState>,
): Promise<void> {
  const up = allocs.flatMap((a) => {
    const s = states.get(a.id);
    const ok = a.desired === 'run' && a.routed && s?.status === 'healthy' && s.privateIp && hosts.get(a.hostId)?.view.up === true;
    return ok ? [{ type: a.type, index: a.index, privateIp: s.privateIp!, hostId: a.hostId }] : [];
  });
  await deps.names.setApp(state.app.id, { appId: state.app.id, app: state.app.name, teamId: state.app.teamId, records: internalRecords(state.app.name, up, state.app.primaryType, state.app.ha ? await deps.leaders.leaderOf(state.app.id) : undefined) });
}
