/**
 * The deploy job: run release vN in place of what serves now, one deploy per app at a time.
 * Progress goes to the push that caused it (when there is one) and to the app's log stream.
 */
import type { Config } from '@gantry/config';
import type { Ctx } from '@gantry/control';
import type { HealthChecks, ProcessTypes } from '@gantry/core';
import type { Docker } from '@gantry/docker';
import { type BuildOutput, type Keys, Lock, type RoutingTable } from '@gantry/live';
import type { Logger } from '@gantry/log';
import type { Launcher } from '../core/instance-spec';
import type { Runtime } from '../runtime';
import { syncRecords } from '../reconciler';
import { bootAll, drainAndStop, switchTraffic, type Slot } from './steps';

export interface DeployDeps {
  config: Config;
  ctx: Ctx;
  docker: Docker;
  runtime: Runtime;
  routes: RoutingTable;
  output: BuildOutput;
  redis: import('ioredis').Redis;
  keys: Keys;
  log: Logger;
}

const LOCK_WAIT_MS = 15 * 60_000;
const ROUTER_CONFIRM_MS = 5000;

export async function deployRelease(deps: DeployDeps, job: { releaseId: string; notifyBuildId?: string }): Promise<void> {
  const { ctx, runtime, output } = deps;
  const say = async (...lines: string[]) => {
    if (job.notifyBuildId) await output.lines(job.notifyBuildId, lines);
  };
  const finish = async (ok: boolean, message: string) => {
    if (job.notifyBuildId) await output.end(job.notifyBuildId, ok, message);
  };

  const first = await ctx.db.release.findUnique({ where: { id: job.releaseId }, select: { appId: true, version: true } });
  if (!first) return finish(false, 'The release no longer exists (was the app destroyed?).');
  const lock = new Lock(deps.redis, deps.keys.deployLock(first.appId), 60_000);
  if (!(await lock.acquire(`deploy of v${first.version}`, LOCK_WAIT_MS))) {
    await say(' !     Another deploy of this app is still running; giving up waiting.');
    return finish(false, 'Timed out waiting for the previous deploy of this app.');
  }
  try {
    const release = await ctx.db.release.findUnique({ where: { id: job.releaseId }, include: { app: true } });
    if (!release) return finish(false, 'The release no longer exists (was the app destroyed?).');
    if (release.status === 'succeeded' || release.status === 'failed') {
      return finish(release.status === 'succeeded', release.statusReason ?? `Release v${release.version} is already ${release.status}.`);
    }
    const app = { id: release.app.id, name: release.app.name };
    const newer = await ctx.db.release.findFirst({
      where: { appId: app.id, version: { gt: release.version }, imageRef: { not: null } },
      orderBy: { version: 'desc' },
    });
    if (newer) {
      const reason = `Superseded by v${newer.version} before it was deployed.`;
      await ctx.db.release.update({ where: { id: release.id }, data: { status: 'failed', statusReason: reason } });
      return finish(false, reason);
    }
    await ctx.db.release.update({ where: { id: release.id }, data: { status: 'deploying' } });

    await syncRecords(runtime, app.id);
    const old = await runtime.deps.instances.list(app.id);
    const processTypes = release.processTypes as ProcessTypes;
    const formation = await ctx.db.formationEntry.findMany({ where: { appId: app.id } });
    const slots: Slot[] = formation
      .filter((f) => f.type in processTypes && f.quantity > 0)
      .flatMap((f) => Array.from({ length: f.quantity }, (_, i) => ({ type: f.type, index: i + 1, command: processTypes[f.type]!, size: f.size })));
    const launcher = await launcherOf(deps.docker, release.imageRef!);

    await say(`       Starting ${slots.length ? slots.map((s) => `${s.type}.${s.index}`).join(', ') : 'no processes (scaled to 0)'} of v${release.version}`);
    const t0 = Date.now();
    const booted = await bootAll(runtime, {
      app,
      release: { id: release.id, version: release.version, imageRef: release.imageRef!, config: release.config as Record<string, string> },
      slots,
      launcher,
      healthChecks: release.healthChecks as unknown as HealthChecks,
    });
    if (!booted.ok) {
      const { process, reason, lastLines } = booted.failed;
      await Promise.all(booted.started.map((r) => runtime.stop(r, 'its release failed to start').catch(() => {})));
      await runtime.publishRoute(app); // the app exists: with nothing healthy it answers 503, not 404
      const serving = release.app.currentReleaseId
        ? await ctx.db.release.findUnique({ where: { id: release.app.currentReleaseId }, select: { version: true } })
        : null;
      const keeps = serving ? `v${serving.version} keeps serving.` : 'Nothing was serving before.';
      const statusReason = `${process} did not start: ${reason}`;
      await ctx.db.release.update({ where: { id: release.id }, data: { status: 'failed', statusReason } });
      await runtime.event(app.id, `Release v${release.version} failed: ${statusReason}. ${keeps}`);
      await say(` !     ${process} of v${release.version} did not become healthy: ${reason}`);
      if (lastLines.length) await say(' !     Last lines it printed:', ...lastLines.map((l) => ` !       ${l}`));
      return finish(false, `Release v${release.version} was not deployed. ${keeps}`);
    }
    await say(`       Healthy in ${((Date.now() - t0) / 1000).toFixed(1)}s; switching traffic`);

    const behind = await switchTraffic(runtime, deps.routes, app, booted.started, old, ROUTER_CONFIRM_MS);
    if (behind.length) deps.log.warn(`routers ${behind.join(', ')} did not confirm the new table of ${app.name} in time`);
    await ctx.db.$transaction([
      ctx.db.release.update({ where: { id: release.id }, data: { status: 'succeeded', statusReason: null, deployedAt: new Date() } }),
      ctx.db.app.update({ where: { id: app.id }, data: { currentReleaseId: release.id } }),
    ]);
    await runtime.event(app.id, `Deployed v${release.version} (${release.description})`);
    await say(`       Released v${release.version}`, `       ${deps.config.urls.app(app.name)} deployed`);
    await finish(true, '');

    await drainAndStop(runtime, old, deps.config.GANTRY_DRAIN_TIME, `replaced by v${release.version}`);
  } finally {
    await lock.release();
  }
}

/** How the image wants its commands run: buildpack images through gantry-launch. */
async function launcherOf(docker: Docker, imageRef: string): Promise<Launcher> {
  const info = await docker.getImage(imageRef).inspect();
  return info.Config?.Labels?.['gantry.launcher'] === 'buildpack' ? 'buildpack' : 'shell';
}
