/**
 * The agent's own reconcile: containers on this host that no allocation of this host claims are
 * removed (instances replaced while the host was down, apps destroyed, leftovers of old versions),
 * and containers that are claimed but not watched (after an agent restart) are adopted.
 */
import type { AllocationStore } from '@gantry/live';
import type { Logger } from '@gantry/log';
import { DEFAULT_HEALTH_CHECK, DEFAULT_LIVENESS } from '@gantry/core';
import type { DockerHost } from './docker-host';
import type { Instances } from './instances';

export async function reconcileLocal(deps: { hostId: string; host: DockerHost; allocs: AllocationStore; instances: Instances; log: Logger; stopTimeoutMs: number; bootTimeoutMs: number }): Promise<void> {
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
    deps.log.info(`adopted ${c.name} (${alloc.type}.${alloc.index})`);
    void deps.instances.watch(t).catch(() => {});
  }
}
