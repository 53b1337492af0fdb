/**
 * The steps of a zero-downtime deploy, each one testable alone:
 *
 *   boot (new instances, not routed) -> wait healthy -> switch traffic (route = new instances,
 *   wait until every router serves it) -> drain (old ones finish in-flight requests) -> stop old
 *
 * If any new instance fails to become healthy, the new ones are stopped and the old keep serving.
 */
import type { HealthChecks } from '@gantry/core';
import type { InstanceRecord, RoutingTable } from '@gantry/live';
import type { Launcher } from '../core/instance-spec';
import type { BootResult, Runtime } from '../runtime';

export interface Slot {
  type: string;
  index: number;
  command: string;
  size: string;
}

export interface BootAllInput {
  app: { id: string; name: string };
  release: { id: string; version: number; imageRef: string; config: Record<string, string> };
  slots: Slot[];
  launcher: Launcher;
  healthChecks: HealthChecks;
}

export type BootAllResult =
  | { ok: true; started: InstanceRecord[] }
  | { ok: false; failed: { process: string; reason: string; lastLines: string[] }; started: InstanceRecord[] };

/** Boots every slot at once; healthy or not, each started instance is returned for cleanup. */
export async function bootAll(runtime: Runtime, input: BootAllInput): Promise<BootAllResult> {
  const results: BootResult[] = await Promise.all(
    input.slots.map((s) =>
      runtime.boot({
        app: input.app,
        release: input.release,
        type: s.type,
        index: s.index,
        command: s.command,
        launcher: input.launcher,
        size: s.size,
        check: input.healthChecks[s.type],
        routed: false,
      }),
    ),
  );
  const started = results.flatMap((r) => (r.record ? [r.record] : []));
  const bad = results.findIndex((r) => !r.ok);
  if (bad >= 0) {
    const r = results[bad] as Extract<BootResult, { ok: false }>;
    const s = input.slots[bad]!;
    return { ok: false, failed: { process: `${s.type}.${s.index}`, reason: r.reason, lastLines: r.lastLines }, started };
  }
  return { ok: true, started };
}

/**
 * Routes the app to the new instances only, then waits until every live router serves that
 * table. Returns the routers that did not confirm in time (normally none).
 */
export async function switchTraffic(
  runtime: Runtime,
  routes: RoutingTable,
  app: { id: string; name: string },
  fresh: InstanceRecord[],
  old: InstanceRecord[],
  confirmTimeoutMs: number,
): Promise<string[]> {
  const store = runtime.deps.instances;
  for (const r of fresh) await store.update(app.id, r.id, { routed: true });
  for (const r of old) await store.update(app.id, r.id, { routed: false, state: 'stopping', message: 'replaced by a new release' });
  const version = await runtime.publishRoute(app);
  return routes.waitForRouters(version, confirmTimeoutMs);
}

/** Gives old instances time to finish in-flight requests, then stops them. */
export async function drainAndStop(runtime: Runtime, old: InstanceRecord[], drainMs: number, why: string): Promise<void> {
  if (old.length === 0) return;
  await new Promise((r) => setTimeout(r, drainMs));
  await Promise.all(old.map((r) => runtime.stop(r, why).catch(() => {})));
}
