/**
 * control/buildpacks.ts against a real Postgres: edits land in App.buildpacks in order, are
 * audited (without URL credentials), are refused for a user outside the team, and an edit that
 * races another one fails with Conflict instead of losing it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@gantry/config';
import { changeBuildpacks, createApp, createUser, listBuildpacks, type Actor, type Ctx } from '@gantry/control';
import { connectDb, type Db } from '@gantry/db';
import { migratedDatabase } from './helpers/scratch-db';

const TOOL = 'https://git.example.com/tools.git#v1';

describe('buildpacks use cases', () => {
  let db: Db;
  let ctx: Ctx;
  let owner: Actor;
  let outsider: Actor;
  let app: string;
  const events: string[] = [];

  beforeAll(async () => {
    const url = await migratedDatabase('gantry_it_buildpacks');
    db = connectDb(url, { max: 2 });
    ctx = { db, queues: { add: async () => '' }, imageRepoPrefix: 'gantry-it-bp', events: { append: async (_id, line) => void events.push(line) } };
    const actor = async (email: string): Promise<Actor> => {
      const u = await createUser(ctx, { email, password: 'password-123' });
      return { userId: u.id, email: u.email, isAdmin: false };
    };
    [owner, outsider] = [await actor('owner@example.test'), await actor('outsider@example.test')];
    app = (await createApp(ctx, owner, {})).name;
  });

  afterAll(async () => {
    await db?.$disconnect();
  });

  it('applies edits in order, audits them without credentials, and says so in the app log', async () => {
    await changeBuildpacks(ctx, owner, app, { action: 'add', url: 'heroku/nodejs' });
    await changeBuildpacks(ctx, owner, app, { action: 'add', url: 'https://user:s3cret@git.example.com/private.git', index: 1 });
    const set = await changeBuildpacks(ctx, owner, app, { action: 'set', url: TOOL, index: 1 });
    expect(set).toEqual({ app, buildpacks: [TOOL, 'heroku/nodejs'] });
    expect(await listBuildpacks(ctx, owner, app)).toEqual({ app, buildpacks: [TOOL, 'heroku/nodejs'] });

    const audit = await db.auditEvent.findMany({ where: { action: { startsWith: 'buildpacks.' } }, orderBy: { createdAt: 'asc' } });
    expect(audit.map((a) => [a.action, a.target, a.actorEmail])).toEqual([
      ['buildpacks.add', 'heroku/nodejs', 'owner@example.test'],
      ['buildpacks.add', 'https://git.example.com/private.git', 'owner@example.test'],
      ['buildpacks.set', TOOL, 'owner@example.test'],
    ]);
    expect(JSON.stringify(audit)).not.toContain('s3cret');
    expect(events.join('\n')).not.toContain('s3cret');
    expect(events.at(-1)).toBe(`Buildpacks set to ${TOOL}, heroku/nodejs by owner@example.test; the next build uses them`);

    expect(await changeBuildpacks(ctx, owner, app, { action: 'clear' })).toEqual({ app, buildpacks: [] });
    expect(events.at(-1)).toBe('Buildpacks cleared by owner@example.test; the next build uses them');
  });

  it('refuses a user outside the team, and a bad edit, changing nothing', async () => {
    await expect(listBuildpacks(ctx, outsider, app)).rejects.toMatchObject({ id: 'forbidden' });
    await expect(changeBuildpacks(ctx, outsider, app, { action: 'add', url: 'nodejs' })).rejects.toMatchObject({ id: 'forbidden' });
    await expect(changeBuildpacks(ctx, owner, app, { action: 'remove', index: 1 })).rejects.toMatchObject({ id: 'invalid_input', message: 'The app has no buildpacks set: there is no index to use.' });
    await expect(changeBuildpacks(ctx, owner, 'no-such-app', { action: 'clear' })).rejects.toMatchObject({ id: 'not_found' });
    expect((await listBuildpacks(ctx, owner, app)).buildpacks).toEqual([]);
  });

  it('fails an edit whose list changed after it was read (compare-and-set), keeping the other edit', async () => {
    // The other edit lands between this edit's read of the app and its write.
    const racing: Db = new Proxy(db, {
      get(target, prop) {
        if (prop !== 'app') return Reflect.get(target, prop);
        return new Proxy(target.app, {
          get(appDelegate, method) {
            if (method !== 'findUnique') return Reflect.get(appDelegate, method);
            return async (args: Parameters<typeof appDelegate.findUnique>[0]) => {
              const row = await appDelegate.findUnique(args);
              if (row) await appDelegate.update({ where: { id: row.id }, data: { buildpacks: ['heroku/procfile'] } });
              return row;
            };
          },
        });
      },
    });
    await expect(changeBuildpacks({ ...ctx, db: racing }, owner, app, { action: 'add', url: 'heroku/nodejs' })).rejects.toMatchObject({
      id: 'conflict',
      message: `The buildpacks of ${app} changed while this change was made; look at them again (gantry buildpacks) and retry.`,
    });
    expect((await listBuildpacks(ctx, owner, app)).buildpacks).toEqual(['heroku/procfile']);
  });
});
