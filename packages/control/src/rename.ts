/**
 * apps:rename: a new name for an app. Everything that lasts is keyed by the app's id (git
 * repository, images, allocations), so only the name changes; the scheduler then routes the app
 * at its new default hostname and drops the old one.
 */
import { InvalidInput, NameTaken, assertAppName } from '@gantry/core';
import { Prisma } from '@gantry/db';
import { appFor } from './access';
import { announce } from './events';
import { audit } from './audit';
import type { Actor, Ctx } from './context';

export async function renameApp(ctx: Ctx, actor: Actor, appName: string, newName: string) {
  const app = await appFor(ctx, actor, appName, 'admin');
  assertAppName(newName);
  if (newName === app.name) throw new InvalidInput(`The app is already named ${newName}.`);
  let renamed;
  try {
    renamed = await ctx.db.app.update({ where: { id: app.id }, data: { name: newName } });
  } catch (err) {
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') throw new NameTaken(newName);
    throw err;
  }
  await audit(ctx, actor, app, 'app.rename', newName, { from: app.name });
  await ctx.live?.wake(app.id, `renamed from ${app.name} to ${newName}`);
  await announce(ctx, app.id, `Renamed from ${app.name} to ${newName} by ${actor.email}`);
  return { app: renamed, previousName: app.name };
}
