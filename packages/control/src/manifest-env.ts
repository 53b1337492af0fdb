/**
 * app.json `env` at deploy time (the decision is core's resolveManifestEnv):
 *
 *   build ─previewManifestEnv (read only: fails fast)─▶ compile (sees config + preview.set)
 *         ─applyManifestEnv (app locked; the preview's secrets)─▶ release
 *
 * The preview is what the build's buildpacks see in ENV_DIR (as on Heroku, where app.json env is
 * set before the first build). applyManifestEnv then sets defaults (first build) and secrets for
 * real, reusing the preview's secret values, or fails when a required variable is still missing;
 * on failure nothing is written. The audit log gets the keys only.
 */
import { InvalidInput, NotFound, applyConfigChange, describeMissingVars, resolveManifestEnv, type ConfigVars, type EnvReason, type EnvResolution, type EnvSpec } from '@gantry/core';
import type { Prisma } from '@gantry/db';
import { randomBytes } from 'node:crypto';
import { auditApp } from './audit';
import type { Ctx } from './context';

type Tx = Prisma.TransactionClient;

/** 32 random bytes as 64 hex characters: what app.json's `generator: "secret"` gives. */
export const generateSecret = (): string => randomBytes(32).toString('hex');

/** Missing required variables: InvalidInput whose message lists them with their descriptions. */
export class MissingConfigVars extends InvalidInput {
  constructor(resolution: EnvResolution, appName: string) {
    super(describeMissingVars(resolution.missing, appName), { missing: resolution.missing.map((m) => m.key) });
  }
}

async function resolveFor(db: Tx | Ctx['db'], appId: string, env: Record<string, EnvSpec>, secret: (key: string) => string) {
  const app = await db.app.findUnique({ where: { id: appId } });
  if (!app) throw new NotFound('App', appId);
  const built = await db.release.findFirst({ where: { appId, imageRef: { not: null } }, select: { id: true } });
  const config = app.config as ConfigVars;
  return { app, config, resolution: resolveManifestEnv({ env, config, firstBuild: built === null, secret }) };
}

/** Before the build: what app.json would set (for the build to see), or MissingConfigVars. Writes nothing. */
export async function previewManifestEnv(ctx: Ctx, appId: string, env: Record<string, EnvSpec>, secret: (key: string) => string = generateSecret): Promise<EnvResolution> {
  if (Object.keys(env).length === 0) return { set: {}, why: {}, missing: [] };
  const { app, resolution } = await resolveFor(ctx.db, appId, env, secret);
  if (resolution.missing.length) throw new MissingConfigVars(resolution, app.name);
  return resolution;
}

/**
 * Before the release: sets app.json defaults and secrets on the app's config (with the app locked,
 * as every release creation is), or throws MissingConfigVars having written nothing. `secret`
 * gives the preview's values, so the release runs with the secret its build saw. Returns why
 * each variable was set (names only, for the build output).
 */
export async function applyManifestEnv(ctx: Ctx, appId: string, env: Record<string, EnvSpec>, userId: string | null, secret: (key: string) => string = generateSecret): Promise<Record<string, EnvReason>> {
  if (Object.keys(env).length === 0) return {};
  const result = await ctx.db.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM "App" WHERE id = ${appId}::uuid FOR UPDATE`;
    if (rows.length === 0) throw new NotFound('App', appId);
    const { app, config, resolution } = await resolveFor(tx, appId, env, secret);
    if (resolution.missing.length) throw new MissingConfigVars(resolution, app.name);
    if (Object.keys(resolution.set).length === 0) return null;
    const { vars } = applyConfigChange(config, resolution.set);
    await tx.app.update({ where: { id: appId }, data: { config: vars } });
    return { appName: app.name, why: resolution.why };
  });
  if (!result) return {};
  const keys = Object.keys(result.why).sort();
  const user = userId ? await ctx.db.user.findUnique({ where: { id: userId }, select: { id: true, email: true } }) : null;
  const actor = user ? { userId: user.id, email: user.email } : null;
  await auditApp(ctx, actor, appId, 'config.change', result.appName, { set: keys, unset: [], source: 'app.json' }); // keys only, never values
  return result.why;
}
