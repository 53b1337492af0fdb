import type { BuildStatus } from '@gantry/db';
import { appFor } from './access';
import type { Actor, Ctx } from './context';
import { now } from './context';

/**
 * Records a build of a pushed commit and queues it for a builder. The caller may choose the id
 * (the git service stores the source under it before the job is queued).
 */
export async function createBuild(ctx: Ctx, input: { id?: string; appId: string; commitSha: string; ref: string; userId: string }) {
  const build = await ctx.db.$transaction(async (tx) => {
    const { buildCount } = await tx.app.update({ where: { id: input.appId }, data: { buildCount: { increment: 1 } } });
    return tx.build.create({
      data: { ...(input.id ? { id: input.id } : {}), appId: input.appId, number: buildCount, commitSha: input.commitSha, ref: input.ref, userId: input.userId },
    });
  });
  await ctx.queues.add('build', { buildId: build.id }, { jobId: build.id });
  return build;
}

/** A builder took the build (again, after a crash: attempts counts). */
export async function startBuild(ctx: Ctx, buildId: string) {
  return ctx.db.build.update({
    where: { id: buildId },
    data: { status: 'building', startedAt: now(ctx), attempts: { increment: 1 }, error: null },
    include: { app: true },
  });
}

export async function finishBuild(
  ctx: Ctx,
  buildId: string,
  result: { status: Extract<BuildStatus, 'succeeded' | 'failed'>; error?: string; log: string; strategy?: string; imageRef?: string },
) {
  return ctx.db.build.update({
    where: { id: buildId },
    data: {
      status: result.status,
      error: result.error ?? null,
      log: result.log,
      strategy: result.strategy ?? null,
      imageRef: result.imageRef ?? null,
      finishedAt: now(ctx),
    },
  });
}

export async function listBuilds(ctx: Ctx, actor: Actor, appName: string, limit = 30) {
  const app = await appFor(ctx, actor, appName, 'read');
  const builds = await ctx.db.build.findMany({
    where: { appId: app.id },
    orderBy: { number: 'desc' },
    take: limit,
    omit: { log: true },
  });
  return { app, builds };
}

export async function getBuild(ctx: Ctx, actor: Actor, appName: string, number: number) {
  const app = await appFor(ctx, actor, appName, 'read');
  const build = await ctx.db.build.findUnique({ where: { appId_number: { appId: app.id, number } } });
  return { app, build };
}
