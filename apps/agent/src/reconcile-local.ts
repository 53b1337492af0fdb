/**
 * The agent's own reconcile, run every few seconds and whenever its engine answers again, so that
 * no lost event leaves an instance down:
 *   - containers no allocation of this host claims are removed (instances replaced while the host
 *     was down, apps destroyed, leftovers of old versions);
 *   - containers claimed but not watched (after an agent restart) are adopted, stopped ones too
 *     (adoption starts them again);
 *   - every watched instance is audited against its container (instances.audit);
 *   - allocations of this host whose container is gone are reported stopped: the scheduler places
 *     their slots again.
 */
import type { AllocationStore } from '@gantry/live';
import type { Logger } from '@gantry/log';
import { DEFAULT_HEALTH_CHECK, DEFAULT_LIVENESS } from '@gantry/core';
import type { DockerHost } from './docker-host';
import type { Instances } from './instances';

export async function reconcileLocal(deps: {
  hostId: string;
  host: DockerHost;
  allocs: AllocationStore;
  instances: Instances;
  log: Logger;
  stopTimeoutMs: number;
  bootTimeoutMs: number;
  /** Also look for allocations of this host whose container vanished (reads every allocation). */
  findVanished: boolean;
  /** Announces an allocation reported stopped (the scheduler re-plans its app). */
  onLost: (appId: string, allocId: string) => Promise<void>;
}): Promise<void> {
  const containers = await deps.host.list();
  const ids = containers.map((c) => c.labels['gantry.alloc.id']).filter((x): x is string => Boolean(x));
  const allocs = new Map((await Promise.all(ids.map((id) => deps.allocs.get(id)))).filter((a) => a !== null).map((a) => [a!.id, a!]));
  for (const c of containers) {
    const allocId = c.labels['gantry.alloc.id'];
    const alloc = allocId ? allocs.get(allocId) : undefined;
    if (!alloc || alloc.hostId !== deps.hostId) {
      // Replaced while this host was away, destroyed with its app, or left by an older Gantry.
      deps.log.info(`removing ${c.name}: no allocation of this host claims it`);
      if (allocId && deps.instances.tracked.has(allocId)) await deps.instances.drop(allocId, deps.stopTimeoutMs);
      else await deps.host.stop(c.containerId, deps.stopTimeoutMs).catch(() => {});
      continue;
    }
    if (deps.instances.tracked.has(alloc.id) || deps.instances.starting.has(alloc.id) || alloc.desired !== 'run') continue;
    // Claimed but not watched (this agent restarted): adopt it with the checks of its allocation.
    const web = alloc.type === 'web';
    const launch = alloc.launch ?? { startup: DEFAULT_HEALTH_CHECK, liveness: web ? DEFAULT_LIVENESS : null, hostHeader: '', exposesPort: web };
    const t = deps.instances.track(
      {
        allocId: alloc.id,
        appId: alloc.appId,
        process: `${alloc.type}.${alloc.index}`,
        startup: launch.startup,
        liveness: launch.liveness,
        hostHeader: launch.hostHeader,
        bootTimeoutMs: deps.bootTimeoutMs,
        exposesPort: launch.exposesPort,
      },
      c.containerId,
    );
    deps.log.info(`adopted ${c.name} (${alloc.type}.${alloc.index}, ${c.state})`);
    void deps.instances.watch(t).catch((err: Error) => deps.log.error(`watching ${c.name}: ${err.message}`));
  }

  for (const t of [...deps.instances.tracked.values()]) await deps.instances.audit(t).catch((err: Error) => deps.log.warn(`audit of ${t.process}: ${err.message}`));

  // Claimed by an allocation that ran here, but no container: removed behind Gantry's back. (A
  // watched instance notices that itself at once; this finds those nobody watched, every few passes:
  // it reads every allocation of the cluster.)
  if (!deps.findVanished) return;
  const mine = (await deps.allocs.all()).filter((a) => a.hostId === deps.hostId);
  const present = new Set(ids);
  const states = await deps.allocs.states(mine.map((a) => a.id));
  for (const a of mine) {
    const st = states.get(a.id);
    if (a.desired !== 'run' || present.has(a.id) || deps.instances.tracked.has(a.id) || deps.instances.starting.has(a.id)) continue;
    if (!st || !RAN.has(st.status)) continue; // not started yet (its start command may still be queued)
    deps.log.warn(`${a.type}.${a.index} (${a.id.slice(0, 8)}): its container is gone; reporting it stopped so it is placed again`);
    await deps.allocs.setState(a.id, { ...st, status: 'stopped', since: Date.now(), port: null, message: 'its container disappeared (removed outside Gantry); placing it again' });
    await deps.onLost(a.appId, a.id);
  }
}

/** States an agent reports only once a container existed. */
const RAN = new Set(['starting', 'healthy', 'unhealthy', 'crashed']);
