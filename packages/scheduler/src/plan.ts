/**
 * reconcile(desired, actual): what to do next for one app, its allocations against its formation.
 * Pure: the control loop calls it on every change and applies the result; waiting is simply
 * "nothing to do this pass".
 *
 * Per slot (web.1, web.2 ...) the rule is the same in every situation (scale, crash, lost host,
 * drain, deploy): keep exactly one live allocation of the slot's release on a usable host, and
 * take the others out of routing only once that one is healthy and routed.
 *
 *   steady state   a slot's allocation is routed as soon as it is healthy (scale up, replacement)
 *   deploy         new allocations are placed a batch at a time, unrouted; when the whole batch is
 *                  healthy it is routed at once (the switch) and the old ones of those slots leave
 *   failure        a new allocation that crashes or stays unhealthy past the boot timeout fails the
 *                  deploy: the current release keeps (or goes back to) serving
 *   leaving        unroute now, stop after the drain time, forget once the agent stopped it
 *   restart        (ps:restart) a restarted allocation no longer counts for its slot: its
 *                  replacement is placed and it leaves once that one is healthy, as in a deploy
 *   stop           (ps:stop) a stopped allocation leaves now; its slot is placed again
 *   one writer     a type that mounts a volume (not marked concurrent) is replaced stop-first: the
 *                  old allocation leaves, and the new one is placed once the old one has stopped
 *   mounts         an allocation started with other volumes than its type mounts now (volumes:mount,
 *                  volumes:unmount), or away from a volume's host, is replaced like one of an
 *                  older release (stop-first when the type now has a volume)
 *   moving         while a volume the type mounts is being copied to another host (movingTo), every
 *                  instance of the type leaves, concurrent or not, and none is placed: the placement
 *                  asked once they stopped fails with "volume X is moving to host-b" (ps:explain)
 */
import { isScalableType } from '@gantry/core';
import type { Allocation, AllocationState, AppDesired, Constraint, HostView, ReleaseSpec, Resources, VolumePin } from './types';

export interface AllocView extends Allocation {
  /** What the agent reported; null until it reports. */
  state: AllocationState | null;
}

export interface PlanInput {
  desired: AppDesired;
  allocs: AllocView[];
  hosts: Map<string, Pick<HostView, 'up' | 'draining'> & { labels?: Record<string, string> }>;
  now: number;
  bootTimeoutMs: number;
  drainMs: number;
}

export interface PlacementNeed {
  type: string;
  index: number;
  releaseId: string;
  why: 'missing' | 'deploy' | 'migrate' | 'replace' | 'restart';
}

export interface AppPlan {
  place: PlacementNeed[];
  /** Allocations to put in the route (healthy, and allowed to serve now). */
  route: string[];
  /** Allocations to take out of the route now; they stop once drained. */
  unroute: { id: string; why: string }[];
  /** Drained allocations to stop now. */
  stop: string[];
  /** Allocations to delete: stopped by their agent, or on a host that is down. */
  forget: string[];
  deploy?: { outcome: 'succeeded' } | { outcome: 'failed'; reason: string };
}

const RANK: Record<string, number> = { healthy: 5, starting: 4, pending: 3, unhealthy: 2, crashed: 1 };

export function reconcile(input: PlanInput): AppPlan {
  const { desired, now } = input;
  const plan: AppPlan = { place: [], route: [], unroute: [], stop: [], forget: [] };
  const hostUp = (a: AllocView) => input.hosts.get(a.hostId)?.up === true;
  // Usable: on a host that is up, not draining, still meets the type's constraints, at the type's size.
  const usable = (a: AllocView) => {
    const host = input.hosts.get(a.hostId);
    const spec = desired.formation[a.type];
    if (!host || !host.up || host.draining) return false;
    if (!spec) return true;
    return satisfies(host.labels ?? {}, spec.constraints) && sameResources(a.resources, spec.resources) && sameMounts(a, spec.volumes);
  };
  const exclusive = (type: string) => desired.formation[type]?.volumes?.some((v) => !v.concurrent) === true;
  const status = (a: AllocView) => (hostUp(a) ? (a.state?.status ?? 'pending') : 'lost');
  const live = (a: AllocView) => a.desired === 'run' && !['stopped', 'lost'].includes(status(a));
  const healthy = (a: AllocView) => live(a) && status(a) === 'healthy';
  const leaving = new Set<string>();
  const leave = (a: AllocView, why: string) => {
    if (leaving.has(a.id) || a.desired === 'stop') return;
    leaving.add(a.id);
    plan.unroute.push({ id: a.id, why });
  };

  // Leaving allocations: stop once drained, forget once stopped; anything on a down host is gone.
  for (const a of input.allocs) {
    if (!hostUp(a)) {
      plan.forget.push(a.id);
      continue;
    }
    // Its agent found the container gone (removed outside Gantry): the slot is placed again below.
    if (a.desired === 'run' && status(a) === 'stopped') {
      plan.forget.push(a.id);
      continue;
    }
    if (a.desired === 'stop') {
      if (status(a) === 'stopped') plan.forget.push(a.id);
      else if (now - (a.stopRequestedAt ?? now) >= input.drainMs) plan.stop.push(a.id);
    }
  }

  const deploying = desired.target !== null && desired.target.id !== desired.current?.id;
  const active: ReleaseSpec | null = desired.target ?? desired.current;
  const slots = slotsOf(desired, active);
  const slotKey = (t: string, i: number) => `${t}.${i}`;
  const inSlot = new Map<string, AllocView[]>();
  for (const a of input.allocs) {
    if (!live(a)) continue;
    const k = slotKey(a.type, a.index);
    (inSlot.get(k) ?? inSlot.set(k, []).get(k)!).push(a);
  }

  // Slots no longer wanted (scaled down, type removed, no release): leave.
  const wanted = new Set(slots.map((s) => slotKey(s.type, s.index)));
  for (const [k, list] of inSlot) if (!wanted.has(k)) for (const a of list) leave(a, 'scaled down');

  // Stopped by a user (ps:stop): leave now; the slot loop below places a replacement.
  const restarts = desired.restarts ?? {};
  for (const list of inSlot.values()) for (const a of list) if (restarts[a.id] === 'stop') leave(a, 'stopped by a user');

  // A deploy fails when one of its new allocations crashes or is not healthy in time.
  if (deploying) {
    const failed = input.allocs.find(
      (a) =>
        a.releaseId === active!.id &&
        a.desired === 'run' &&
        !a.routed &&
        hostUp(a) &&
        (status(a) === 'crashed' || status(a) === 'unhealthy' || (status(a) !== 'healthy' && now > bootDeadline(a, input.bootTimeoutMs))),
    );
    if (failed) {
      const s = status(failed);
      const why =
        s === 'crashed'
          ? `it exited with code ${failed.state?.exitCode ?? '?'}`
          : s === 'unhealthy'
            ? 'its health check failed'
            : `it was not healthy within ${Math.round(input.bootTimeoutMs / 1000)}s`;
      plan.deploy = { outcome: 'failed', reason: `${failed.type}.${failed.index} of v${active!.version} did not become healthy: ${why}${failed.state?.message ? ` (${failed.state.message})` : ''}` };
      for (const a of input.allocs) if (a.releaseId === active!.id && a.desired === 'run' && !a.routed) leave(a, 'its deploy failed');
      return plan;
    }
  }

  // The batch in flight: new allocations placed by this deploy that do not serve yet.
  const inflight = deploying ? input.allocs.filter((a) => live(a) && a.releaseId === active!.id && !a.routed) : [];
  const batchReady = inflight.length > 0 && inflight.every(healthy);
  let budget = deploying ? (desired.batchSize ?? Number.MAX_SAFE_INTEGER) - inflight.length : Number.MAX_SAFE_INTEGER;

  let done = 0;
  for (const { type, index } of slots) {
    const list = inSlot.get(slotKey(type, index)) ?? [];
    const moving = desired.formation[type]?.volumes?.find((v) => v.movingTo);
    if (moving) {
      for (const a of list) leave(a, `its volume ${moving.name} is moving to another host (it starts there once the data is copied)`);
      // Asked only once nothing of the slot runs, so ps:explain says why it waits; the placer refuses it.
      const inTheWay = input.allocs.some((a) => a.type === type && a.index === index && hostUp(a) && status(a) !== 'stopped');
      if (!inTheWay) plan.place.push({ type, index, releaseId: active!.id, why: list.length ? 'replace' : 'missing' });
      continue;
    }
    const mine = list.filter((a) => a.releaseId === active!.id && usable(a) && restarts[a.id] === undefined);
    const others = list.filter((a) => !mine.includes(a));
    const best = mine.sort((x, y) => (RANK[status(y)] ?? 0) - (RANK[status(x)] ?? 0) || y.createdAt - x.createdAt)[0];
    for (const extra of mine.slice(1)) leave(extra, 'duplicate of its slot');

    if (!best) {
      // A type that writes to a volume never runs two writers at once: its old instance leaves
      // first, and the replacement is placed once that one has stopped.
      if (exclusive(type)) {
        const inTheWay = input.allocs.filter((a) => a.type === type && a.index === index && hostUp(a) && status(a) !== 'stopped');
        if (inTheWay.length) {
          for (const o of others) leave(o, restarts[o.id] ? 'restarted (its volume takes one writer: it stops before its replacement starts)' : 'replaced (its volume takes one writer: it stops before its replacement starts)');
          continue;
        }
      }
      // Nothing of the active release on a usable host: place one (within the deploy's batch).
      if (deploying && budget <= 0) continue;
      budget--;
      const restarting = others.some((a) => restarts[a.id] !== undefined);
      const moving = others.some((a) => a.releaseId === active!.id);
      const why = deploying ? 'deploy' : restarting ? 'restart' : moving ? 'migrate' : list.length ? 'replace' : 'missing';
      plan.place.push({ type, index, releaseId: active!.id, why });
      continue;
    }
    const servesNow = best.routed || !deploying || batchReady;
    if (healthy(best) && servesNow) {
      if (!best.routed) plan.route.push(best.id);
      for (const o of others) {
        leave(o, restarts[o.id] ? 'restarted' : o.releaseId === active!.id ? 'moved (host draining, constraints or size changed)' : 'replaced by a new release');
      }
      done++;
    }
  }

  if (deploying && done === slots.length && !plan.place.length) plan.deploy = { outcome: 'succeeded' };
  return plan;
}

/**
 * Every slot the formation asks of a release: types it has, indexes 1..quantity. `release` runs
 * once per release (the release phase), never as instances, whatever an old entry says.
 */
export function slotsOf(desired: AppDesired, release: ReleaseSpec | null): { type: string; index: number }[] {
  if (!release) return [];
  const out: { type: string; index: number }[] = [];
  for (const type of Object.keys(desired.formation).sort()) {
    if (!(type in release.processTypes) || !isScalableType(type)) continue;
    for (let i = 1; i <= desired.formation[type]!.quantity; i++) out.push({ type, index: i });
  }
  return out;
}

/** Whether host labels meet every constraint (a missing label fails "=" and passes "!="). */
export function satisfies(labels: Record<string, string>, constraints: Constraint[]): boolean {
  return constraints.every((c) => (c.op === '=' ? labels[c.label] === c.value : labels[c.label] !== c.value));
}

/**
 * How long fetching an image may take before the boot timeout starts (its agent reports "pending"
 * while it fetches, "starting" once the container runs): the first start of a large image on a
 * host that never ran it (an add-on server's, 0.5 GB, copied from the image server while its
 * peers are fetched too) must not fail the deploy. A fetch that takes longer still fails it.
 */
export const IMAGE_FETCH_ALLOWANCE_MS = 10 * 60_000;

/**
 * When a new allocation that is still not healthy fails its deploy: the boot timeout after its
 * container started, or after it was placed when its agent has said nothing yet (a host that
 * never answers).
 */
export function bootDeadline(a: AllocView, bootTimeoutMs: number): number {
  if (a.state?.status === 'starting') return a.state.since + bootTimeoutMs;
  if (a.state?.status === 'pending') return a.createdAt + IMAGE_FETCH_ALLOWANCE_MS + bootTimeoutMs;
  return a.createdAt + bootTimeoutMs;
}

/** How an allocation records the volumes it mounts: "<docker volume>:<path>", sorted. */
export function mountsKey(volumes: readonly Pick<VolumePin, 'source' | 'target'>[] | undefined): string[] {
  return (volumes ?? []).map((v) => `${v.source}:${v.target}`).sort();
}

/** Started with the volumes its type mounts now, on the host of each bound one. */
function sameMounts(a: AllocView, volumes: readonly VolumePin[] | undefined): boolean {
  if (volumes?.some((v) => v.movingTo || (v.hostId !== null && v.hostId !== a.hostId))) return false;
  if (a.mounts === undefined) return true;
  const want = mountsKey(volumes);
  return a.mounts.length === want.length && [...a.mounts].sort().every((m, i) => m === want[i]);
}

function sameResources(a: Resources, b: Resources): boolean {
  return a.memoryBytes === b.memoryBytes && a.cpuShares === b.cpuShares;
}
