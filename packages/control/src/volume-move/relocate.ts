/**
 * Moving a volume's data to another host, stop-copy-switch (volumes:move, the Redis add-on's
 * addons:move, hosts:drain --move):
 *
 *   movingTo = target ─> scheduler stops the users, places them nowhere ("volume X is moving to B")
 *   ─> wait until no container on the source uses it ─> tar stream source -> control plane -> target
 *   ─> file lists of both hosts equal? ─> hostId = target, movingTo = null ─> users start on the target
 *   ─> the source's copy is removed (kept until here: a failure anywhere before leaves it as it was)
 *
 * A failure clears movingTo (the users start again on the source), removes the partial copy on
 * the target and says why. The users' pause is the time from movingTo set to the switch, plus
 * their start on the target.
 */
import { Conflict, InvalidInput, Unavailable, volumeDockerName } from '@gantry/core';
import type { Host } from '@gantry/db';
import type { Ctx } from '../context';
import { announce } from '../events';
import { platformOf } from '../addons/addons';
import { listingProblem } from './copy-plan';

export interface MovableVolume {
  id: string;
  name: string;
  hostId: string | null;
  /** The app that mounts it (an add-on's backing app for add-ons' volumes). */
  appId: string | null;
}

export interface VolumeMoveResult {
  volume: string;
  from: string;
  to: string;
  /** Bytes of the tar stream, regular files and their bytes as both hosts list them. */
  streamBytes: number;
  files: number;
  bytes: number;
  /** From the moment its users were told to stop to the switch (their start on the target comes after). */
  stoppedMs: number;
  copyMs: number;
}

export interface RelocateOptions {
  /** How long its users may take to stop on the source. */
  stopTimeoutMs?: number;
  /** Images for the helper containers, best first (they need tar and find). */
  images: string[];
  /** Progress lines for the caller. */
  progress?: (line: string) => void;
}

/**
 * The host a volume may move to: it exists, is not draining, and is not where the volume lives.
 * Shared by volumes:move, addons:move and hosts:drain --move.
 */
export async function moveTarget(ctx: Ctx, volume: MovableVolume, to: string, what: string): Promise<{ target: Host; source: Host | null }> {
  if (typeof to !== 'string' || to.length === 0) throw new InvalidInput('Name the host to move to: --to HOST.', { field: 'to' });
  const target = await ctx.db.host.findUnique({ where: { name: to } });
  if (!target) {
    const names = (await ctx.db.host.findMany({ where: { draining: false }, select: { name: true }, orderBy: { name: 'asc' } })).map((h) => h.name);
    throw new InvalidInput(`No host named ${JSON.stringify(to)}. Hosts: ${names.join(', ') || 'none'}.`, { field: 'to' });
  }
  const source = volume.hostId ? await ctx.db.host.findUnique({ where: { id: volume.hostId } }) : null;
  if (volume.hostId === target.id) throw new InvalidInput(`${what} already lives on ${target.name}: nothing to move.`, { field: 'to' });
  if (target.draining) throw new Conflict(`${target.name} is draining: nothing new is placed on it. Choose another host.`);
  if (volume.hostId && !source) throw new Conflict(`The host ${what} lived on has been removed: its data is gone, there is nothing to move.`);
  return { target, source };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Moves the volume's data from its host to `target` and switches its users over (see the header). */
export async function relocateVolume(ctx: Ctx, volume: MovableVolume, source: Host, target: Host, opts: RelocateOptions): Promise<VolumeMoveResult> {
  const { copier, installation } = platformOf(ctx);
  const dockerName = volumeDockerName(installation, volume.name);
  const say = opts.progress ?? (() => {});
  for (const h of [source, target]) if (!(await copier.reachable(h.id))) throw new Unavailable(`The Docker engine of ${h.name} does not answer: ${volume.name} was not moved.`);
  const image = await copier.imageOn(source.id, opts.images);
  if (!image) throw new Unavailable(`No image to copy ${volume.name} with is on ${source.name} (looked for ${opts.images.join(', ') || 'none'}): ${volume.name} was not moved.`);

  // Only one move at a time, and only from where it is now.
  const { count } = await ctx.db.volume.updateMany({ where: { id: volume.id, hostId: source.id, movingTo: null }, data: { movingTo: target.id } });
  if (count === 0) throw new Conflict(`${volume.name} is already moving (or moved just now): see gantry volumes.`);
  const stoppedAt = Date.now();
  if (volume.appId) {
    await ctx.live?.wake(volume.appId, `volume ${volume.name} is moving to ${target.name}`);
    await announce(ctx, volume.appId, `Moving volume ${volume.name} from ${source.name} to ${target.name}: its users stop until the data is there`);
  }
  let copied = false;
  try {
    say(`Waiting for the users of ${volume.name} on ${source.name} to stop`);
    await untilUnused(copier, source, dockerName, volume.name, opts.stopTimeoutMs ?? 120_000);
    await copier.copyImage(source.id, target.id, image);
    // A copy left by an earlier attempt that failed would be merged into: start from nothing.
    await copier.remove(target.id, dockerName);
    say(`Copying ${volume.name} from ${source.name} to ${target.name}`);
    const copyStart = Date.now();
    copied = true;
    const { bytes: streamBytes } = await copier.copy(source.id, target.id, dockerName, image);
    const [was, now] = [await copier.listing(source.id, dockerName, image), await copier.listing(target.id, dockerName, image)];
    const problem = listingProblem(was, now);
    if (problem) throw new Error(problem);
    const copyMs = Date.now() - copyStart;
    await ctx.db.volume.update({ where: { id: volume.id }, data: { hostId: target.id, movingTo: null } });
    const stoppedMs = Date.now() - stoppedAt;
    if (volume.appId) {
      await ctx.live?.wake(volume.appId, `volume ${volume.name} moved to ${target.name}`);
      await announce(ctx, volume.appId, `Moved volume ${volume.name} to ${target.name} (${now.files} files, ${now.bytes} bytes, copied in ${(copyMs / 1000).toFixed(1)}s): its users start there`);
    }
    // The source's copy goes only now that the target's is in use; if that fails the data is safe, only space is lost.
    await copier.remove(source.id, dockerName).catch((err: Error) => say(`The old copy of ${volume.name} on ${source.name} could not be removed (${err.message}): remove the Docker volume ${dockerName} there by hand.`));
    return { volume: volume.name, from: source.name, to: target.name, streamBytes, files: now.files, bytes: now.bytes, stoppedMs, copyMs };
  } catch (err) {
    if (copied) await copier.remove(target.id, dockerName).catch(() => {});
    await ctx.db.volume.updateMany({ where: { id: volume.id, movingTo: target.id }, data: { movingTo: null } });
    const why = (err as Error).message;
    if (volume.appId) {
      await ctx.live?.wake(volume.appId, `moving volume ${volume.name} failed`);
      await announce(ctx, volume.appId, `Moving volume ${volume.name} to ${target.name} failed (${why}): it stays on ${source.name}, its users start there again`);
    }
    throw new Unavailable(`Moving ${volume.name} to ${target.name} failed: ${why}. It stays on ${source.name}; its users start there again.`);
  }
}

/** Waits until no running container on the host uses the Docker volume (its users were told to stop). */
export async function untilUnused(copier: ReturnType<typeof platformOf>['copier'], host: Host, dockerName: string, name: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const users = await copier.users(host.id, dockerName);
    if (users.length === 0) return;
    if (Date.now() > deadline) throw new Unavailable(`the users of ${name} on ${host.name} did not stop within ${Math.round(timeoutMs / 1000)}s (${users.join(', ')})`);
    await sleep(250);
  }
}
