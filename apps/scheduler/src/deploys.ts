/**
 * Deploys as the scheduler sees them. A deploy job only sets the app's target release (any
 * scheduler process may take it); the leader's control loop then rolls it out. This module also
 * tells the push that caused the deploy how it goes, and records the outcome.
 */
import type { Db } from '@gantry/db';
import type { AppLogs, BuildOutput, Keys } from '@gantry/live';
import type { Logger } from '@gantry/log';
import type { Redis } from 'ioredis';
import type { AppState } from './state';

interface DeployRecord {
  releaseId: string;
  version: number;
  notifyBuildId?: string;
  startedAt: number;
  switchedAt?: number;
}

export interface DeploysDeps {
  db: Db;
  redis: Redis;
  keys: Keys;
  output: BuildOutput;
  logs: AppLogs;
  log: Logger;
  appUrl: (name: string) => string;
  wake: (appId: string, why: string) => Promise<void>;
}

export class Deploys {
  constructor(private readonly deps: DeploysDeps) {}

  private async record(appId: string): Promise<DeployRecord | null> {
    const json = await this.deps.redis.get(this.deps.keys.deploy(appId));
    return json ? (JSON.parse(json) as DeployRecord) : null;
  }

  private async lines(rec: DeployRecord | null, ...lines: string[]): Promise<void> {
    if (rec?.notifyBuildId) await this.deps.output.lines(rec.notifyBuildId, lines.flatMap((l) => l.split('\n')));
  }

  private async end(rec: DeployRecord | null, ok: boolean, message: string): Promise<void> {
    if (rec?.notifyBuildId) await this.deps.output.end(rec.notifyBuildId, ok, message);
  }

  private async event(appId: string, line: string): Promise<void> {
    await this.deps.logs.append(appId, [{ source: 'gantry', process: 'scheduler', line }]).catch(() => {});
  }

  /** A deploy job: make `releaseId` the app's target, superseding any older deploy in progress. */
  async request(job: { releaseId: string; notifyBuildId?: string }): Promise<void> {
    const { db } = this.deps;
    const release = await db.release.findUnique({ where: { id: job.releaseId }, include: { app: true } });
    const notify = job.notifyBuildId ? { notifyBuildId: job.notifyBuildId } : {};
    if (!release) return this.end({ releaseId: job.releaseId, version: 0, startedAt: 0, ...notify }, false, 'The release no longer exists (was the app destroyed?).');
    if (release.status === 'succeeded' || release.status === 'failed') return; // a retried job: already decided
    const newer = await db.release.findFirst({ where: { appId: release.appId, version: { gt: release.version }, imageRef: { not: null } }, orderBy: { version: 'desc' } });
    if (newer) return this.supersede({ releaseId: release.id, version: release.version, startedAt: Date.now(), ...notify }, newer.version);

    const previous = await this.record(release.appId);
    if (previous && previous.releaseId !== release.id) await this.supersede(previous, release.version);
    await db.$transaction([
      db.release.update({ where: { id: release.id }, data: { status: 'deploying' } }),
      db.app.update({ where: { id: release.appId }, data: { targetReleaseId: release.id } }),
    ]);
    const rec: DeployRecord = { releaseId: release.id, version: release.version, startedAt: Date.now(), ...notify };
    await this.deps.redis.set(this.deps.keys.deploy(release.appId), JSON.stringify(rec), 'EX', 24 * 3600);
    await this.event(release.appId, `Deploying v${release.version} (${release.description})`);
    await this.deps.wake(release.appId, `deploy v${release.version}`);
  }

  private async supersede(rec: DeployRecord, by: number): Promise<void> {
    const reason = `Superseded by v${by} before it finished deploying.`;
    await this.deps.db.release.updateMany({ where: { id: rec.releaseId, status: { in: ['pending', 'deploying'] } }, data: { status: 'failed', statusReason: reason } });
    await this.end(rec, false, reason);
  }

  /** Reports what a pass did for the app's deploy in progress, and records its outcome. */
  async progress(
    state: AppState,
    step: { started: string[]; switched: boolean; unplaceable: string[]; outcome?: { outcome: 'succeeded' } | { outcome: 'failed'; reason: string } },
  ): Promise<void> {
    const target = state.desired.target;
    const deploying = target !== null && target.id !== state.desired.current?.id;
    if (!deploying) return;
    const rec = await this.record(state.app.id);
    const mine = rec?.releaseId === target.id ? rec : null;
    if (step.started.length) await this.lines(mine, `       Starting ${step.started.join(', ')}`);
    if (step.switched && mine && !mine.switchedAt) {
      mine.switchedAt = Date.now();
      await this.deps.redis.set(this.deps.keys.deploy(state.app.id), JSON.stringify(mine), 'EX', 24 * 3600);
      await this.lines(mine, `       Healthy in ${((mine.switchedAt - mine.startedAt) / 1000).toFixed(1)}s; switching traffic`);
    }
    let outcome = step.outcome;
    if (!outcome && step.unplaceable.length) outcome = { outcome: 'failed', reason: `could not place ${step.unplaceable.join('; ')}` };
    if (!outcome) return;

    const { db } = this.deps;
    const current = state.desired.current;
    if (outcome.outcome === 'succeeded') {
      await db.$transaction([
        db.release.update({ where: { id: target.id }, data: { status: 'succeeded', statusReason: null, deployedAt: new Date() } }),
        db.app.update({ where: { id: state.app.id }, data: { currentReleaseId: target.id, targetReleaseId: null } }),
      ]);
      await this.event(state.app.id, `Deployed v${target.version}`);
      await this.lines(mine, `       Released v${target.version}`, `       ${this.deps.appUrl(state.app.name)} deployed`);
      await this.end(mine, true, '');
    } else {
      const [first, ...more] = outcome.reason.split('\n');
      await db.$transaction([
        db.release.update({ where: { id: target.id }, data: { status: 'failed', statusReason: first } }),
        db.app.update({ where: { id: state.app.id }, data: { targetReleaseId: null } }),
      ]);
      const keeps = current ? `v${current.version} keeps serving.` : 'Nothing was serving before.';
      await this.event(state.app.id, `Release v${target.version} failed: ${first}. ${keeps}`);
      await this.lines(mine, ` !     ${first}`, ...more.map((l) => ` !       ${l}`));
      await this.end(mine, false, `Release v${target.version} was not deployed. ${keeps}`);
    }
    await this.deps.redis.del(this.deps.keys.deploy(state.app.id));
    this.deps.log.info(`${state.app.name}: deploy of v${target.version} ${outcome.outcome}`);
    await this.deps.wake(state.app.id, 'deploy decided');
  }
}
