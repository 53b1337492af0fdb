import { Conflict, Forbidden, InvalidInput, NotFound, applyConfigChange, type ConfigVars, type HealthChecks, type ProcessTypes, type ReleaseManifest } from '@gantry/core';
import type { Prisma, Release } from '@gantry/db';
import { appFor, appWithRole, roleAllows } from './access';
import { announce, releaseLine } from './events';
import { audit, auditApp } from './audit';
import type { Actor, Ctx } from './context';
import { now } from './context';
import { IN_FLIGHT, initialState, releaseTakesEffect } from './release-lifecycle';
import { syncFormation } from './manifest-formation';

type Tx = Prisma.TransactionClient;

export interface NewRelease {
  appId: string;
  description: string;
  buildId?: string | null;
  imageRef?: string | null;
  config: ConfigVars;
  processTypes: ProcessTypes;
  healthChecks: HealthChecks;
  /** What app.json asks of the release (formation, scripts, cron); config and rollback releases carry their base's. */
  manifest?: ReleaseManifest;
  userId?: string | null;
}

/** Serialises release creation per app: version numbers and config updates never race. */
async function lockApp(tx: Tx, appId: string): Promise<void> {
  const rows = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM "App" WHERE id = ${appId}::uuid FOR UPDATE`;
  if (rows.length === 0) throw new NotFound('App', appId);
}

async function insertRelease(ctx: Ctx, tx: Tx, input: NewRelease): Promise<Release> {
  const last = await tx.release.findFirst({ where: { appId: input.appId }, orderBy: { version: 'desc' }, select: { version: true } });
  const runnable = Boolean(input.imageRef);
  const release = await tx.release.create({
    data: {
      appId: input.appId,
      version: (last?.version ?? 0) + 1,
      description: input.description,
      buildId: input.buildId ?? null,
      imageRef: input.imageRef ?? null,
      config: input.config,
      processTypes: input.processTypes,
      healthChecks: input.healthChecks as unknown as Prisma.InputJsonValue,
      manifest: (input.manifest ?? {}) as unknown as Prisma.InputJsonValue,
      userId: input.userId ?? null,
      // Nothing to run yet (an app never built): the release takes effect at once.
      status: initialState(runnable),
      deployedAt: runnable ? null : now(ctx),
    },
  });
  if (!runnable) await releaseTakesEffect(tx, release.id, input.appId);
  await syncFormation(tx, input.appId, input.processTypes, input.manifest?.formation);
  return release;
}

/**
 * Creates release vN+1 and, when it has an image, asks the scheduler to deploy it. With
 * notifyBuildId the deploy reports into (and ends) that push's output.
 */
export async function createRelease(ctx: Ctx, input: NewRelease, opts: { notifyBuildId?: string } = {}): Promise<Release> {
  const release = await ctx.db.$transaction(async (tx) => {
    await lockApp(tx, input.appId);
    return insertRelease(ctx, tx, input);
  });
  const user = input.userId ? await ctx.db.user.findUnique({ where: { id: input.userId } }) : null;
  await announce(ctx, input.appId, releaseLine(release, user?.email ?? 'gantry'));
  if (input.buildId) await auditApp(ctx, user ? { userId: user.id, email: user.email } : null, input.appId, 'deploy', `v${release.version}`, { buildId: input.buildId });
  if (release.imageRef) {
    await ctx.queues.add('deploy', { releaseId: release.id, ...(opts.notifyBuildId ? { notifyBuildId: opts.notifyBuildId } : {}) }, { jobId: release.id });
  }
  return release;
}

/**
 * The release new config builds on: one being released or deployed now (a push in progress: its
 * new code must not be lost), else the serving one, else the newest with an image.
 */
async function baseRelease(tx: Tx, appId: string, currentReleaseId: string | null): Promise<Release | null> {
  const inFlight = await tx.release.findFirst({ where: { appId, imageRef: { not: null }, status: { in: [...IN_FLIGHT] } }, orderBy: { version: 'desc' } });
  const current = currentReleaseId ? await tx.release.findUnique({ where: { id: currentReleaseId } }) : null;
  if (inFlight && (!current || inFlight.version > current.version)) return inFlight;
  if (currentReleaseId) {
    const current = await tx.release.findUnique({ where: { id: currentReleaseId } });
    if (current) return current;
  }
  return tx.release.findFirst({ where: { appId, imageRef: { not: null } }, orderBy: { version: 'desc' } });
}

function describeConfigChange(set: string[], unset: string[]): string {
  const parts: string[] = [];
  if (set.length) parts.push(`Set ${set.join(', ')} config var${set.length > 1 ? 's' : ''}`);
  if (unset.length) parts.push(`Remove ${unset.join(', ')} config var${unset.length > 1 ? 's' : ''}`);
  return parts.join('; ');
}

/** What the audit log keeps of a config change: the keys set and unset, never a value. */
export function configKeys(change: Record<string, string | null>, version: number) {
  const keys = Object.keys(change).sort();
  return { set: keys.filter((k) => change[k] !== null), unset: keys.filter((k) => change[k] === null), release: version };
}

/**
 * config:set / config:unset. Returns the new release, or null when nothing changed. `replaces` is
 * the version of a release still being released or deployed that the new one builds on and
 * replaces (its build, with this change): a push in progress goes on as the new release.
 */
export async function setConfig(ctx: Ctx, actor: Actor, appName: string, change: Record<string, string | null>): Promise<(Release & { replaces: number | null }) | null> {
  if (Object.keys(change).length === 0) throw new InvalidInput('No config vars given.');
  const app = await appFor(ctx, actor, appName, 'write');
  if (app.kind === 'addon') throw new Conflict(`${app.name} runs an add-on's server: its config is managed by Gantry (gantry addons:info ${app.name}).`);
  return changeConfig(ctx, actor, app, change);
}

/**
 * A config change as a new release (the base release's build with the new vars), deployed when it
 * has an image. `description` overrides the generated one ("Attach DATABASE (postgres-shiny-1234)").
 */
export async function changeConfig(
  ctx: Ctx,
  actor: Actor,
  app: { id: string; name: string; teamId: string },
  change: Record<string, string | null>,
  description?: string,
): Promise<(Release & { replaces: number | null }) | null> {
  let replaces: number | null = null;
  const release = await ctx.db.$transaction(async (tx) => {
    await lockApp(tx, app.id);
    const fresh = await tx.app.findUniqueOrThrow({ where: { id: app.id } });
    const { vars, set, unset } = applyConfigChange(fresh.config as ConfigVars, change);
    if (set.length === 0 && unset.length === 0) return null;
    await tx.app.update({ where: { id: app.id }, data: { config: vars } });
    const base = await baseRelease(tx, app.id, fresh.currentReleaseId);
    if (base && base.id !== fresh.currentReleaseId && IN_FLIGHT.includes(base.status)) replaces = base.version;
    return insertRelease(ctx, tx, {
      appId: app.id,
      description: description ?? describeConfigChange(set, unset),
      buildId: base?.buildId ?? null,
      imageRef: base?.imageRef ?? null,
      config: vars,
      processTypes: (base?.processTypes as ProcessTypes) ?? {},
      healthChecks: (base?.healthChecks as unknown as HealthChecks) ?? {},
      manifest: (base?.manifest as ReleaseManifest | undefined) ?? {},
      userId: actor.userId,
    });
  });
  if (release) await announce(ctx, app.id, releaseLine(release, actor.email));
  if (release) await audit(ctx, actor, app, 'config.change', app.name, configKeys(change, release.version)); // keys only, never values
  if (release?.imageRef) await ctx.queues.add('deploy', { releaseId: release.id }, { jobId: release.id });
  return release && Object.assign(release, { replaces });
}

/** releases:rollback vN: a new release with vN's image, process types and config vars. */
export async function rollback(ctx: Ctx, actor: Actor, appName: string, version: number) {
  const app = await appFor(ctx, actor, appName, 'write');
  const target = await ctx.db.release.findUnique({ where: { appId_version: { appId: app.id, version } } });
  if (!target) throw new NotFound('Release', `v${version}`);
  if (!target.imageRef) throw new InvalidInput(`v${version} has no build to roll back to.`);
  const release = await ctx.db.$transaction(async (tx) => {
    await lockApp(tx, app.id);
    await tx.app.update({ where: { id: app.id }, data: { config: target.config as ConfigVars } });
    return insertRelease(ctx, tx, {
      appId: app.id,
      description: `Rollback to v${version}`,
      buildId: target.buildId,
      imageRef: target.imageRef,
      config: target.config as ConfigVars,
      processTypes: target.processTypes as ProcessTypes,
      healthChecks: target.healthChecks as unknown as HealthChecks,
      manifest: target.manifest as ReleaseManifest,
      userId: actor.userId,
    });
  });
  await announce(ctx, app.id, releaseLine(release, actor.email));
  await audit(ctx, actor, app, 'rollback', `v${version}`, { release: release.version });
  await ctx.queues.add('deploy', { releaseId: release.id }, { jobId: release.id });
  return release;
}

export async function listReleases(ctx: Ctx, actor: Actor, appName: string, limit = 50) {
  const app = await appFor(ctx, actor, appName, 'read');
  const releases = await ctx.db.release.findMany({ where: { appId: app.id }, orderBy: { version: 'desc' }, take: limit });
  return { app, releases };
}

export async function getRelease(ctx: Ctx, actor: Actor, appName: string, version: number) {
  const app = await appFor(ctx, actor, appName, 'read');
  const release = await ctx.db.release.findUnique({ where: { appId_version: { appId: app.id, version } } });
  if (!release) throw new NotFound('Release', `v${version}`);
  return { app, release };
}

/**
 * An app's config vars. Their values hold secrets: members and above read them, viewers do not
 * (as Heroku's "view" permission, which needs "deploy" for config values).
 */
export async function getConfig(ctx: Ctx, actor: Actor, appName: string): Promise<ConfigVars> {
  const { app, role } = await appWithRole(ctx, actor, appName, 'read');
  if (!roleAllows(role, 'write')) {
    throw new Forbidden(`Config values hold secrets: viewers of ${app.name} do not see them. Ask a team owner or admin for the member role.`);
  }
  return app.config as ConfigVars;
}

/** The release phase's timeout of an app (seconds): the release fails when its release command runs longer. */
export async function setReleaseTimeout(ctx: Ctx, actor: Actor, appName: string, seconds: number) {
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 86_400) throw new InvalidInput('The release timeout is a whole number of seconds from 1 to 86400 (24 h).');
  const app = await appFor(ctx, actor, appName, 'write');
  const updated = await ctx.db.app.update({ where: { id: app.id }, data: { releaseTimeout: seconds } });
  await audit(ctx, actor, app, 'release.timeout', app.name, { seconds });
  return updated;
}
