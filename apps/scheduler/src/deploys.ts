/**
 * Deploys as the scheduler sees them. A deploy job (any scheduler process may take it) runs the
 * release phase of its release, then makes it the app's target; the leader's control loop rolls
 * it out and reports the outcome here. Release states are changed only through
 * @gantry/control's release-lifecycle; this module tells the pushes and commands that wait how it goes.
 *
 *   deploy job ─▶ supersede older deploys ─▶ release phase (`release` type, Dokku predeploy: tasks)
 *              ─▶ beginDeploy (target) ─▶ … control loop … ─▶ progress(): serves | fails
 *              ─▶ after it serves: app.json cron, Dokku postdeploy, Heroku postdeploy (first deploy only)
 */
import { releaseFails, releaseServes, supersedeRelease, beginDeploy, beginReleasePhase, keepPhaseOutput, IN_FLIGHT, type ReleaseState } from '@gantry/control';
import { phaseHeading, phaseTaskId, releasePhaseSteps, type ReleaseManifest } from '@gantry/core';
import type { Db } from '@gantry/db';
import type { AppLogs, BuildOutput, Keys, TaskResult } from '@gantry/live';
import type { Logger } from '@gantry/log';
import type { Redis } from 'ioredis';
import type { AppState } from './state';
import { taskRelease, type TaskRequest, type TaskRunner } from './tasks';

interface DeployRecord {
  releaseId: string;
  version: number;
  buildId: string | null;
  /** Pushes whose output this deploy continues (and ends): its own, and those of releases it replaced with the same build. */
  notify: string[];
  startedAt: number;
  /** The release phase task running now, if any (a newer deploy waits for it: never two at once). */
  phaseTaskId?: string;
  switchedAt?: number;
}

export interface DeploysDeps {
  db: Db;
  redis: Redis;
  keys: Keys;
  output: BuildOutput;
  logs: AppLogs;
  log: Logger;
  tasks: TaskRunner;
  appUrl: (name: string) => string;
  wake: (appId: string, why: string) => Promise<void>;
  /** Replaces the app's app.json cron jobs with those of the release that now serves. */
  syncCron?: (appId: string, cron: ReleaseManifest['cron']) => Promise<void>;
}

const KEEP = 24 * 3600;

type ReleaseRow = NonNullable<Awaited<ReturnType<typeof loadRelease>>>;

function loadRelease(db: Db, id: string) {
  return db.release.findUnique({ where: { id }, include: { app: true, build: { select: { strategy: true } } } });
}

export class Deploys {
  constructor(private readonly deps: DeploysDeps) {}

  private async record(appId: string): Promise<DeployRecord | null> {
    const json = await this.deps.redis.get(this.deps.keys.deploy(appId));
    return json ? (JSON.parse(json) as DeployRecord) : null;
  }

  private async save(appId: string, rec: DeployRecord): Promise<void> {
    await this.deps.redis.set(this.deps.keys.deploy(appId), JSON.stringify(rec), 'EX', KEEP);
  }

  private async lines(rec: Pick<DeployRecord, 'notify'> | null, ...lines: string[]): Promise<void> {
    for (const id of rec?.notify ?? []) await this.deps.output.lines(id, lines.flatMap((l) => l.split('\n')));
  }

  private async end(rec: Pick<DeployRecord, 'notify'> | null, ok: boolean, message: string): Promise<void> {
    for (const id of rec?.notify ?? []) await this.deps.output.end(id, ok, message);
  }

  private async event(appId: string, line: string, source: 'gantry' | 'release' = 'gantry'): Promise<void> {
    await this.deps.logs.append(appId, [{ source, process: 'scheduler', line }]).catch(() => {});
  }

  /** A deploy job: run the release phase of `releaseId`, then make it the app's target. */
  async request(job: { releaseId: string; notifyBuildId?: string }): Promise<void> {
    const { db } = this.deps;
    const release = await loadRelease(db, job.releaseId);
    const notify = job.notifyBuildId ? [job.notifyBuildId] : [];
    if (!release) return this.end({ notify }, false, 'The release no longer exists (was the app destroyed?).');
    if (!IN_FLIGHT.includes(release.status as ReleaseState)) return; // a retried job: already decided
    const newer = await db.release.findFirst({ where: { appId: release.appId, version: { gt: release.version }, imageRef: { not: null } }, orderBy: { version: 'desc' } });
    if (newer) {
      const inherited = await this.supersede(release.appId, { releaseId: release.id, version: release.version, buildId: release.buildId, notify, startedAt: Date.now() }, newer);
      await this.handOver(release.appId, newer.id, inherited);
      return;
    }

    const previous = await this.record(release.appId);
    const rec: DeployRecord = { releaseId: release.id, version: release.version, buildId: release.buildId, notify, startedAt: Date.now() };
    if (previous && previous.releaseId !== release.id) {
      const inherited = await this.supersede(release.appId, previous, release);
      rec.notify = [...new Set([...rec.notify, ...inherited])];
      // Two release phases of one app never run at once: wait for the one in progress.
      if (previous.phaseTaskId) {
        await this.lines(rec, `       Waiting for the release phase of v${previous.version} to end first`);
        // Bounded: a task that never started (its job was superseded before a retry) ends no wait.
        await this.deps.tasks.wait(previous.phaseTaskId, () => {}, AbortSignal.timeout((release.app.releaseTimeout + 60) * 1000)).catch(() => {});
      }
    } else if (previous?.releaseId === release.id) {
      rec.notify = [...new Set([...previous.notify, ...rec.notify])]; // a retried job keeps its listeners
    }
    const handed = this.handOverKey(release.appId, release.id);
    rec.notify = [...new Set([...rec.notify, ...(await this.deps.redis.smembers(handed))])];
    await this.deps.redis.del(handed);
    await this.save(release.appId, rec);

    if (!(await this.releasePhase(release, rec))) return;
    if (!(await beginDeploy(db, release.id, release.appId))) return; // superseded meanwhile
    await this.event(release.appId, `Deploying v${release.version} (${release.description})`);
    await this.deps.wake(release.appId, `deploy v${release.version}`);
  }

  /**
   * Marks rec's release superseded by `by` and ends the pushes waiting on it, unless `by` carries
   * the same build (a config change during a push): then those pushes follow `by`, whose pushes
   * they become (the returned build ids).
   */
  private async supersede(appId: string, rec: DeployRecord, by: { id: string; version: number; buildId: string | null; description: string }): Promise<string[]> {
    const sameBuild = rec.buildId !== null && rec.buildId === by.buildId;
    const reason = `Superseded by v${by.version} (${by.description})${sameBuild ? ', which carries the same build' : ''} before it finished deploying.`;
    await supersedeRelease(this.deps.db, rec.releaseId, appId, reason);
    if (sameBuild) {
      await this.lines(rec, `       v${rec.version} is replaced by v${by.version} (${by.description}), made from this build: deploying v${by.version}`);
      return rec.notify;
    }
    await this.end(rec, false, `v${rec.version} was superseded by v${by.version} (${by.description}) before it finished deploying.`);
    return [];
  }

  private handOverKey(appId: string, releaseId: string): string {
    return `${this.deps.keys.deploy(appId)}:handover:${releaseId}`;
  }

  /** Pushes that `releaseId` (not yet requested, or deploying now) continues. */
  private async handOver(appId: string, releaseId: string, notify: string[]): Promise<void> {
    if (notify.length === 0) return;
    const rec = await this.record(appId);
    if (rec?.releaseId === releaseId) {
      rec.notify = [...new Set([...rec.notify, ...notify])];
      await this.save(appId, rec);
      return;
    }
    const key = this.handOverKey(appId, releaseId);
    await this.deps.redis.multi().sadd(key, ...notify).expire(key, KEEP).exec();
  }

  /** Runs the `release` command and Dokku's predeploy. False when the release failed (recorded). */
  private async releasePhase(release: ReleaseRow, rec: DeployRecord): Promise<boolean> {
    const steps = releasePhaseSteps(release.processTypes as Record<string, string>, (release.manifest ?? {}) as ReleaseManifest);
    if (steps.length === 0 || release.status === 'deploying') return true;
    // A job taken over from a scheduler that died finds its release "releasing" already: its
    // tasks (same ids, same hosts) are not run again, their output is replayed.
    if (release.status === 'pending' && !(await beginReleasePhase(this.deps.db, release.id))) return false;

    const output: string[] = [];
    for (const s of steps) {
      const taskId = phaseTaskId(s.step, release.id);
      rec.phaseTaskId = taskId;
      await this.save(release.appId, rec);
      await this.lines(rec, phaseHeading(s));
      output.push(phaseHeading(s));
      await this.event(release.appId, `Release v${release.version}: ${s.label.toLowerCase()} \`${s.command}\``, 'release');
      const started = Date.now();
      let result: TaskResult;
      try {
        result = await this.deps.tasks.run(this.taskOf(release, taskId, s.step, s.command, release.app.releaseTimeout * 1000, 'release'), async (line) => {
          output.push(line);
          await this.lines(rec, `       ${line}`);
        });
      } catch (err) {
        result = { outcome: 'error', exitCode: null, reason: (err as Error).message, hostId: '', startedAt: null, finishedAt: Date.now() };
      }
      const took = ((Date.now() - started) / 1000).toFixed(1);
      if (result.outcome !== 'succeeded') {
        const what = s.step === 'release' ? 'The release command' : 'The predeploy script';
        const reason = `${what} ${result.outcome === 'timeout' ? result.reason : result.outcome === 'error' ? `could not run: ${result.reason}` : `failed (${result.reason})`}`;
        output.push(` !     ${reason}`);
        await keepPhaseOutput(this.deps.db, release.id, output.join('\n'));
        await this.failRelease(release, rec, reason);
        return false;
      }
      await this.lines(rec, `       ${s.step === 'release' ? 'Release command' : 'Predeploy'} done in ${took}s`);
      const now = await this.deps.db.release.findUnique({ where: { id: release.id }, select: { status: true } });
      if (now?.status !== 'releasing') {
        await keepPhaseOutput(this.deps.db, release.id, output.join('\n'));
        return false; // superseded while it ran
      }
    }
    delete rec.phaseTaskId;
    await this.save(release.appId, rec);
    await keepPhaseOutput(this.deps.db, release.id, output.join('\n'));
    return true;
  }

  private async failRelease(release: ReleaseRow, rec: DeployRecord, reason: string): Promise<void> {
    if (!(await releaseFails(this.deps.db, release.id, release.appId, reason))) return;
    const current = release.app.currentReleaseId ? await this.deps.db.release.findUnique({ where: { id: release.app.currentReleaseId }, select: { version: true, imageRef: true } }) : null;
    const keeps = current?.imageRef ? `v${current.version} keeps serving.` : 'Nothing was serving before.';
    await this.event(release.appId, `Release v${release.version} failed: ${reason}. ${keeps}`);
    await this.lines(rec, ` !     ${reason}`);
    await this.end(rec, false, `Release v${release.version} was not deployed: ${reason}. ${keeps}`);
    await this.forget(release.appId, release.id);
  }

  private async forget(appId: string, releaseId: string): Promise<void> {
    const rec = await this.record(appId);
    if (rec?.releaseId === releaseId) await this.deps.redis.del(this.deps.keys.deploy(appId));
  }

  private taskOf(release: ReleaseRow, taskId: string, process: string, command: string, timeoutMs: number, logSource: TaskRequest['logSource']): TaskRequest {
    return {
      taskId,
      app: { id: release.app.id, name: release.app.name },
      release: taskRelease(release)!,
      process,
      command,
      logSource,
      timeoutMs,
    };
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
      await this.save(state.app.id, mine);
      await this.lines(mine, `       Healthy in ${((mine.switchedAt - mine.startedAt) / 1000).toFixed(1)}s; switching traffic`);
    }
    let outcome = step.outcome;
    if (!outcome && step.unplaceable.length) outcome = { outcome: 'failed', reason: `could not place ${step.unplaceable.join('; ')}` };
    if (!outcome) return;

    const { db } = this.deps;
    const current = state.desired.current;
    if (outcome.outcome === 'succeeded') {
      if (!(await releaseServes(db, target.id, state.app.id))) return;
      await this.event(state.app.id, `Deployed v${target.version}`);
      await this.lines(mine, `       Released v${target.version}`, `       ${this.deps.appUrl(state.app.name)} deployed`);
      await this.deps.redis.del(this.deps.keys.deploy(state.app.id));
      // Scripts after it serves report into the push too; the push ends after them.
      void this.afterServing(target.id, mine)
        .catch((err: Error) => this.deps.log.error(`${state.app.name}: after v${target.version} served: ${err.message}`))
        .finally(() => void this.end(mine, true, '').catch(() => {}));
    } else {
      const [first, ...more] = outcome.reason.split('\n');
      if (!(await releaseFails(db, target.id, state.app.id, first!))) return;
      const keeps = current ? `v${current.version} keeps serving.` : 'Nothing was serving before.';
      await this.event(state.app.id, `Release v${target.version} failed: ${first}. ${keeps}`);
      await this.lines(mine, ` !     ${first}`, ...more.map((l) => ` !       ${l}`));
      await this.end(mine, false, `Release v${target.version} was not deployed. ${keeps}`);
      await this.deps.redis.del(this.deps.keys.deploy(state.app.id));
    }
    this.deps.log.info(`${state.app.name}: deploy of v${target.version} ${outcome.outcome}`);
    await this.deps.wake(state.app.id, 'deploy decided');
  }

  /** After a release serves: its app.json cron jobs, Dokku's postdeploy, Heroku's postdeploy (once per app). */
  private async afterServing(releaseId: string, rec: DeployRecord | null): Promise<void> {
    const { db } = this.deps;
    const release = await loadRelease(db, releaseId);
    if (!release) return;
    const manifest = (release.manifest ?? {}) as ReleaseManifest;
    if (this.deps.syncCron) {
      await this.deps.syncCron(release.appId, manifest.cron ?? []).catch(async (err: Error) => {
        this.deps.log.error(`${release.app.name}: app.json cron of v${release.version}: ${err.message}`);
        await this.event(release.appId, `The cron jobs of app.json (v${release.version}) could not be set: ${err.message}`);
        await this.lines(rec, ` !     The cron jobs of app.json could not be set: ${err.message}`);
      });
    }
    const scripts: { step: string; label: string; command: string }[] = [];
    if (manifest.scripts?.dokkuPostdeploy) scripts.push({ step: 'postdeploy', label: 'Running postdeploy (app.json scripts.dokku.postdeploy)', command: manifest.scripts.dokkuPostdeploy });
    if (manifest.scripts?.postdeploy) {
      // Once per app: the first deploy that serves claims it.
      const claimed = await db.app.updateMany({ where: { id: release.appId, postdeployRanAt: null }, data: { postdeployRanAt: new Date() } });
      if (claimed.count === 1) scripts.push({ step: 'first-postdeploy', label: 'Running postdeploy (app.json scripts.postdeploy, first deploy only)', command: manifest.scripts.postdeploy });
    }
    for (const s of scripts) {
      await this.lines(rec, `-----> ${s.label}: ${s.command}`);
      const result = await this.deps.tasks
        .run(this.taskOf(release, phaseTaskId(s.step, release.id), s.step, s.command, release.app.releaseTimeout * 1000, 'release'), (line) => this.lines(rec, `       ${line}`))
        .catch((err: Error): TaskResult => ({ outcome: 'error', exitCode: null, reason: err.message, hostId: '', startedAt: null, finishedAt: Date.now() }));
      const line = result.outcome === 'succeeded' ? `${s.step} of v${release.version} done` : `${s.step} of v${release.version} failed: ${result.reason}`;
      await this.event(release.appId, line, 'release');
      await this.lines(rec, result.outcome === 'succeeded' ? `       done` : ` !     ${line} (v${release.version} keeps serving)`);
    }
  }
}
