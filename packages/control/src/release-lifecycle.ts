/**
 * The one owner of a release's life: its state, and the app's current and target release. No
 * other code writes `Release.status` or `App.currentReleaseId` / `targetReleaseId`; the scheduler
 * reports what happened through these functions.
 *
 *   pending ──phase──▶ releasing ──deploy──▶ deploying ──serve──▶ succeeded
 *      │                   │                     │
 *      └──────deploy───────┼─────────────────────┘
 *   pending, releasing, deploying ──fail──▶ failed     ──supersede──▶ superseded
 *
 * Every change is conditional on the state it starts from (a compare-and-set in one statement),
 * so two processes reporting on one release cannot both move it.
 */
import type { Db, Prisma } from '@gantry/db';

export type ReleaseState = 'pending' | 'releasing' | 'deploying' | 'succeeded' | 'failed' | 'superseded';
export type ReleaseEvent = 'phase' | 'deploy' | 'serve' | 'fail' | 'supersede';

const TRANSITIONS: Record<ReleaseState, Partial<Record<ReleaseEvent, ReleaseState>>> = {
  pending: { phase: 'releasing', deploy: 'deploying', fail: 'failed', supersede: 'superseded' },
  releasing: { deploy: 'deploying', fail: 'failed', supersede: 'superseded' },
  deploying: { serve: 'succeeded', fail: 'failed', supersede: 'superseded' },
  succeeded: {},
  failed: {},
  superseded: {},
};

/** The state `event` leads to from `from`, or null when it does not apply. Pure. */
export function nextState(from: ReleaseState, event: ReleaseEvent): ReleaseState | null {
  return TRANSITIONS[from][event] ?? null;
}

/** The states `event` may start from. */
export function statesAllowing(event: ReleaseEvent): ReleaseState[] {
  return (Object.keys(TRANSITIONS) as ReleaseState[]).filter((s) => TRANSITIONS[s][event] !== undefined);
}

export const IN_FLIGHT: readonly ReleaseState[] = ['pending', 'releasing', 'deploying'];

/** A release starts pending, or succeeded at once when there is nothing to run (an app never built). */
export function initialState(runnable: boolean): ReleaseState {
  return runnable ? 'pending' : 'succeeded';
}

type Client = Db | Prisma.TransactionClient;

async function move(db: Client, releaseId: string, event: ReleaseEvent, data: Prisma.ReleaseUpdateManyMutationInput = {}): Promise<boolean> {
  const to = statesAllowing(event);
  const res = await db.release.updateMany({
    where: { id: releaseId, status: { in: to } },
    data: { ...data, status: nextStateOfEvent(event) },
  });
  return res.count === 1;
}

/** Every event leads to one state, whatever it starts from. */
function nextStateOfEvent(event: ReleaseEvent): ReleaseState {
  return ({ phase: 'releasing', deploy: 'deploying', serve: 'succeeded', fail: 'failed', supersede: 'superseded' } as const)[event];
}

/** The release phase (and Dokku predeploy) starts. */
export function beginReleasePhase(db: Db, releaseId: string): Promise<boolean> {
  return move(db, releaseId, 'phase');
}

/** The release phase ended: its output is kept for `releases:output`. */
export async function keepPhaseOutput(db: Db, releaseId: string, output: string): Promise<void> {
  await db.release.update({ where: { id: releaseId }, data: { phaseOutput: output } });
}

/** The scheduler rolls the release out: it becomes the app's target. */
export async function beginDeploy(db: Db, releaseId: string, appId: string): Promise<boolean> {
  return db.$transaction(async (tx) => {
    if (!(await move(tx, releaseId, 'deploy'))) return false;
    await tx.app.update({ where: { id: appId }, data: { targetReleaseId: releaseId } });
    return true;
  });
}

/** The release serves: it is the app's current release, and no deploy is in progress. */
export async function releaseServes(db: Db, releaseId: string, appId: string): Promise<boolean> {
  return db.$transaction(async (tx) => {
    if (!(await move(tx, releaseId, 'serve', { statusReason: null, deployedAt: new Date() }))) return false;
    await tx.app.update({ where: { id: appId }, data: { currentReleaseId: releaseId } });
    await tx.app.updateMany({ where: { id: appId, targetReleaseId: releaseId }, data: { targetReleaseId: null } });
    return true;
  });
}

/** The release failed (release phase, deploy, placement): the previous release keeps serving. */
export async function releaseFails(db: Db, releaseId: string, appId: string, reason: string): Promise<boolean> {
  return db.$transaction(async (tx) => {
    if (!(await move(tx, releaseId, 'fail', { statusReason: reason.slice(0, 2000) }))) return false;
    await tx.app.updateMany({ where: { id: appId, targetReleaseId: releaseId }, data: { targetReleaseId: null } });
    return true;
  });
}

/** A newer release replaces this one before it served. */
export async function supersedeRelease(db: Db, releaseId: string, appId: string, reason: string): Promise<boolean> {
  return db.$transaction(async (tx) => {
    if (!(await move(tx, releaseId, 'supersede', { statusReason: reason }))) return false;
    await tx.app.updateMany({ where: { id: appId, targetReleaseId: releaseId }, data: { targetReleaseId: null } });
    return true;
  });
}

/** An app's first release that runs nothing yet takes effect at once (config of an app never built). */
export async function releaseTakesEffect(tx: Prisma.TransactionClient, releaseId: string, appId: string): Promise<void> {
  await tx.app.update({ where: { id: appId }, data: { currentReleaseId: releaseId } });
}
