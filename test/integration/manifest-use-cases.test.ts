/**
 * The app.json use cases against a real Postgres (a fresh database): env applied with the app
 * locked (two builds at once make one secret, a failure writes nothing), formation from the
 * release's manifest (never over ps:scale), and config/rollback releases carrying their base's
 * manifest.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@gantry/config';
import { MissingConfigVars, applyManifestEnv, createApp, createRelease, createUser, rollback, setConfig, updateFormation, type Actor, type Ctx } from '@gantry/control';
import type { EnvSpec, ReleaseManifest } from '@gantry/core';
import { connectDb, type Db } from '@gantry/db';
import { migratedDatabase } from './helpers/scratch-db';

describe('app.json use cases', () => {
  let db: Db;
  let ctx: Ctx;
  let actor: Actor;

  beforeAll(async () => {
    const base = loadConfig(process.env);
    const url = await migratedDatabase('gantry_it_manifest');
    db = connectDb(url, { max: 4 });
    ctx = { db, queues: { add: async () => '' }, imageRepoPrefix: 'gantry-it-manifest' };
    const user = await createUser(ctx, { email: 'manifest@example.test', password: 'password-123' });
    actor = { userId: user.id, email: user.email, isAdmin: false };
  });

  afterAll(async () => {
    await db?.$disconnect();
  });

  const newApp = () => createApp(ctx, actor, {});
  const configOf = async (appId: string) => (await db.app.findUniqueOrThrow({ where: { id: appId } })).config as Record<string, string>;
  const formationOf = async (appId: string) =>
    (await db.formationEntry.findMany({ where: { appId }, orderBy: { type: 'asc' } })).map((f) => `${f.type}=${f.quantity}:${f.size}${f.setByUser ? ' (by hand)' : ''}`);
  const deploy = (appId: string, manifest: ReleaseManifest, processTypes = { web: 'serve', worker: 'work', release: 'migrate' }) =>
    createRelease(ctx, { appId, description: 'Deploy', imageRef: 'img:1', config: {}, processTypes, healthChecks: {}, manifest });

  it('applies defaults on the first build and a secret once, even with two builds at once', async () => {
    const app = await newApp();
    const env: Record<string, EnvSpec> = { SECRET: { required: true, generator: 'secret' }, LEVEL: { required: true, value: 'info' } };
    const [a, b] = await Promise.all([applyManifestEnv(ctx, app.id, env, actor.userId), applyManifestEnv(ctx, app.id, env, actor.userId)]);
    // The app lock serialises them: the first sets both, the second finds nothing to do.
    expect([a, b].sort((x, y) => Object.keys(y).length - Object.keys(x).length)).toEqual([{ LEVEL: 'default', SECRET: 'generated' }, {}]);
    const config = await configOf(app.id);
    expect(config).toEqual({ LEVEL: 'info', SECRET: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const events = await db.auditEvent.findMany({ where: { appId: app.id, action: 'config.change' } });
    expect(events.map((e) => e.details)).toEqual([{ set: ['LEVEL', 'SECRET'], unset: [], source: 'app.json' }]);
    expect(events[0]!.actorEmail).toBe(actor.email);
  });

  it('writes nothing when a required variable is missing', async () => {
    const app = await newApp();
    const env: Record<string, EnvSpec> = { SECRET: { required: true, generator: 'secret' }, KEY: { required: true, description: 'the key' } };
    const err = await applyManifestEnv(ctx, app.id, env, actor.userId).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MissingConfigVars);
    expect((err as MissingConfigVars).details).toEqual({ missing: ['KEY'] });
    expect(await configOf(app.id)).toEqual({});
    expect(await db.auditEvent.count({ where: { appId: app.id, action: 'config.change' } })).toBe(0);
  });

  it('takes the formation from the manifest until a user scales, and config and rollback releases keep the manifest', async () => {
    const app = await newApp();
    const manifest: ReleaseManifest = { formation: { web: { quantity: 0 }, worker: { quantity: 1, size: 'basic' } } };
    const v1 = await deploy(app.id, manifest);
    expect(v1.manifest).toEqual(manifest);
    expect(await formationOf(app.id)).toEqual(['web=0:standard-1x', 'worker=1:basic']);

    await updateFormation(ctx, actor, app.name, { worker: { quantity: 3 } });
    const v2 = await deploy(app.id, { formation: { web: { quantity: 2 }, worker: { quantity: 1 } } });
    expect(await formationOf(app.id)).toEqual(['web=2:standard-1x', 'worker=3:basic (by hand)']);

    await db.app.update({ where: { id: app.id }, data: { currentReleaseId: v2.id } });
    const v3 = await setConfig(ctx, actor, app.name, { A: '1' });
    expect(v3!.manifest).toEqual(v2.manifest);
    const v4 = await rollback(ctx, actor, app.name, 1);
    expect(v4.manifest).toEqual(manifest);
    // The rollback's manifest applies to what was not set by hand.
    expect(await formationOf(app.id)).toEqual(['web=0:standard-1x', 'worker=3:basic (by hand)']);
  });
});
