/**
 * addons:move NAME --to HOST: the add-on's data goes to another host and its server follows.
 *   redis     stop, copy, start (relocate.ts): a short pause, as long as the copy
 *   postgres  streaming replication (pg-standby-plan.ts has the diagram): a standby on the target
 *             catches up while the primary serves; only the switch-over stops the writes
 */
import { Conflict, InvalidInput, Unavailable, teamNetworkName, volumeDockerName } from '@gantry/core';
import type { Host } from '@gantry/db';
import { satisfies, type Constraint } from '@gantry/scheduler-core';
import type { Actor, Ctx } from '../context';
import { addonFor } from '../addons/access';
import { platformOf, waitAvailable } from '../addons/addons';
import { audit } from '../audit';
import { announce } from '../events';
import {
  CURRENT_LSN_SQL,
  FORGET_PRIMARY_SQL,
  LAG_BYTES,
  PROMOTE_SQL,
  REPLAY_LSN_SQL,
  createRoleSql,
  dropRoleSql,
  dropSlotSql,
  hasFinalCheckpoint,
  parseControlData,
  parseLsn,
  replicationCredentials,
  superSql,
} from './pg-standby-plan';
import { moveTarget, relocateVolume, untilUnused, type MovableVolume, type VolumeMoveResult } from './relocate';

export interface AddonMoveResult extends VolumeMoveResult {
  method: 'copy' | 'replication';
}

export interface MovableAddon {
  name: string;
  kind: string;
  appId: string;
  teamId: string;
  volume: MovableVolume;
}

export interface AddonMoveOptions {
  progress?: ((line: string) => void) | undefined;
  /** How long the standby may take to catch up (the base backup included). */
  catchUpTimeoutMs?: number;
  stopTimeoutMs?: number;
}

export async function moveAddon(ctx: Ctx, actor: Actor, name: string, to: string, opts: AddonMoveOptions = {}): Promise<AddonMoveResult> {
  const addon = await addonFor(ctx, actor, name, 'write');
  if (addon.ha) {
    const volumes = await ctx.db.volume.findMany({ where: { appId: addon.appId }, orderBy: { name: 'asc' }, select: { name: true } });
    throw new Conflict(`${addon.name} is an HA add-on: move its members one at a time (the other keeps serving), with ${volumes.map((v) => `gantry volumes:move ${v.name} --to HOST`).join(' or ')}.`);
  }
  if (addon.volume.movingTo) throw new Conflict(`${addon.name} is already moving: see gantry addons:info ${addon.name}.`);
  const { target, source } = await moveTarget(ctx, addon.volume, to, addon.name);
  if (!source) throw new Conflict(`${addon.name} has not been placed on any host yet: there is nothing to move.`);
  const formation = await ctx.db.formationEntry.findMany({ where: { appId: addon.appId } });
  const constraints = formation.flatMap((f) => (f.constraints as unknown as Constraint[] | null) ?? []);
  if (!satisfies({ ...(target.labels as Record<string, string>), 'gantry.host': target.name }, constraints)) {
    throw new InvalidInput(`${target.name} does not meet ${addon.name}'s constraints (${constraints.map((c) => `${c.label}${c.op}${c.value}`).join(', ')}): its server could not run there.`, { field: 'to' });
  }
  const r = await moveAddonData(ctx, addon, source, target, opts);
  await audit(ctx, actor, { id: addon.appId, teamId: addon.teamId }, 'addon.move', addon.name, { from: source.name, to: target.name, method: r.method, stoppedMs: r.stoppedMs });
  return r;
}

/** Moves the add-on's data (no access check: addons:move checked it, hosts:drain is for admins). */
export async function moveAddonData(ctx: Ctx, addon: MovableAddon, source: Host, target: Host, opts: AddonMoveOptions = {}): Promise<AddonMoveResult> {
  const image = await platformOf(ctx).imageRef(addon.kind === 'postgres' ? 'postgres' : 'redis');
  if (addon.kind !== 'postgres') {
    const r = await relocateVolume(ctx, addon.volume, source, target, { images: [image], ...(opts.progress ? { progress: opts.progress } : {}), ...(opts.stopTimeoutMs ? { stopTimeoutMs: opts.stopTimeoutMs } : {}) });
    return { ...r, volume: addon.name, method: 'copy' };
  }
  return replicate(ctx, addon, source, target, image, opts);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function replicate(ctx: Ctx, addon: MovableAddon, source: Host, target: Host, image: string, opts: AddonMoveOptions): Promise<AddonMoveResult> {
  const { servers, standbys, copier, installation } = platformOf(ctx);
  const say = opts.progress ?? (() => {});
  const dockerName = volumeDockerName(installation, addon.volume.name);
  for (const h of [source, target]) if (!(await copier.reachable(h.id))) throw new Unavailable(`The Docker engine of ${h.name} does not answer: ${addon.name} was not moved.`);
  const state = await servers.state(addon.appId);
  if (state.status !== 'healthy' || state.hostId !== source.id) throw new Unavailable(`${addon.name} is not serving on ${source.name} (${state.status}${state.host ? ` on ${state.host}` : ''}): move it once it is available.`);
  const network = teamNetworkName(installation, addon.teamId);
  const primaryIp = (await servers.addresses(addon.appId))[network];
  if (!primaryIp) throw new Unavailable(`${addon.name}'s server has no address on its team's private network ${network}: it cannot be replicated.`);

  const primarySql = async (sql: string) => {
    const r = await servers.exec(addon.appId, superSql(sql));
    if (r.exitCode !== 0) throw new Error(`on the primary: ${(r.stderr || r.stdout).trim().slice(0, 300)}`);
    return r.stdout.trim();
  };
  const repl = replicationCredentials();
  await copier.copyImage(source.id, target.id, image);
  await copier.remove(target.id, dockerName); // a copy left by an attempt that failed
  await primarySql(createRoleSql(repl));
  let standby: string | undefined;
  let moving = false;
  const started = Date.now();
  try {
    say(`Starting a standby of ${addon.name} on ${target.name} (base backup, then streaming)`);
    standby = await standbys.start(target.id, { image, dockerName, network, env: { PRIMARY_HOST: primaryIp, REPL_USER: repl.user, REPL_SLOT: repl.slot, PGPASSWORD: repl.password } });
    const standbySql = async (sql: string) => {
      const r = await standbys.exec(target.id, standby!, superSql(sql));
      if (r.exitCode !== 0) throw new Error(`on the standby: ${(r.stderr || r.stdout).trim().slice(0, 300)}`);
      return r.stdout.trim();
    };
    // 1. Caught up: the standby replays within LAG_BYTES of what the primary writes now.
    const catchUpBy = Date.now() + (opts.catchUpTimeoutMs ?? 30 * 60_000);
    for (;;) {
      if (!(await standbys.running(target.id, standby))) throw new Error(`the standby stopped: ${(await standbys.logs(target.id, standby)).slice(-500)}`);
      const replay = await standbySql(REPLAY_LSN_SQL).catch(() => '');
      if (replay) {
        const lag = parseLsn(await primarySql(CURRENT_LSN_SQL)) - parseLsn(replay);
        if (lag <= BigInt(LAG_BYTES)) break;
      }
      if (Date.now() > catchUpBy) throw new Error(`the standby did not catch up within ${Math.round((opts.catchUpTimeoutMs ?? 30 * 60_000) / 1000)}s`);
      await sleep(300);
    }
    const copyMs = Date.now() - started;
    // 2. Switch-over: the scheduler stops the primary (fast shutdown sends the rest of its WAL to the standby).
    const { count } = await ctx.db.volume.updateMany({ where: { id: addon.volume.id, hostId: source.id, movingTo: null }, data: { movingTo: target.id } });
    if (count === 0) throw new Conflict(`${addon.name} is already moving (or moved just now).`);
    moving = true;
    const stoppedAt = Date.now();
    say(`Standby caught up; switching ${addon.name} over to ${target.name}`);
    await ctx.live?.wake(addon.appId, `add-on ${addon.name} switches over to ${target.name}`);
    await untilUnused(copier, source, dockerName, addon.name, opts.stopTimeoutMs ?? 120_000);
    // 3. Every transaction the primary committed reached the standby: its shutdown checkpoint did.
    const control = parseControlData(await standbys.controlData(source.id, dockerName, image));
    if (control.state !== 'shut down') throw new Error(`the primary did not shut down cleanly (${control.state}): the standby might miss its last transactions`);
    const finalBy = Date.now() + 30_000;
    while (!hasFinalCheckpoint(parseLsn(await standbySql(REPLAY_LSN_SQL)), control.checkpoint)) {
      if (Date.now() > finalBy) throw new Error("the standby did not receive the primary's final checkpoint within 30s");
      await sleep(100);
    }
    // 4. Promote, forget the old primary, stop cleanly: the server starts on the target on this data.
    if ((await standbySql(PROMOTE_SQL)) !== 't') throw new Error('the standby was not promoted within 60s');
    for (const sql of FORGET_PRIMARY_SQL) await standbySql(sql);
    const code = await standbys.stop(target.id, standby);
    if (code !== 0) throw new Error(`the promoted standby did not stop cleanly (exit ${code})`);
    await standbys.remove(target.id, standby);
    standby = undefined;
    await ctx.db.volume.update({ where: { id: addon.volume.id }, data: { hostId: target.id, movingTo: null } });
    const stoppedMs = Date.now() - stoppedAt;
    await ctx.live?.wake(addon.appId, `add-on ${addon.name} moved to ${target.name}`);
    await announce(ctx, addon.appId, `Moved ${addon.name} to ${target.name} by streaming replication (writes stopped for ${(stoppedMs / 1000).toFixed(1)}s before its start there)`);
    // 5. Once it serves on the target: the move's role goes, then the old copy.
    await waitAvailable(ctx, addon);
    await primarySql(dropRoleSql(repl.user)).catch((err: Error) => say(`Could not drop the replication role ${repl.user} (${err.message}): drop it with pg:psql.`));
    await copier.remove(source.id, dockerName).catch((err: Error) => say(`The old copy on ${source.name} could not be removed (${err.message}): remove the Docker volume ${dockerName} there by hand.`));
    return { volume: addon.name, from: source.name, to: target.name, method: 'replication', streamBytes: 0, files: 0, bytes: 0, stoppedMs, copyMs };
  } catch (err) {
    if (standby) await standbys.remove(target.id, standby).catch(() => {});
    await copier.remove(target.id, dockerName).catch(() => {});
    if (moving) {
      await ctx.db.volume.updateMany({ where: { id: addon.volume.id, movingTo: target.id }, data: { movingTo: null } });
      await ctx.live?.wake(addon.appId, `moving add-on ${addon.name} failed`);
      await waitAvailable(ctx, addon).catch(() => {});
    }
    // The move's slot would keep WAL on the primary forever, and its role is not needed any more.
    await primarySql(dropSlotSql(repl.slot)).catch(() => {});
    await primarySql(dropRoleSql(repl.user)).catch(() => {});
    const why = (err as Error).message;
    await announce(ctx, addon.appId, `Moving ${addon.name} to ${target.name} failed (${why}): it stays on ${source.name}`);
    throw new Unavailable(`Moving ${addon.name} to ${target.name} failed: ${why}. It stays on ${source.name}${moving ? '; its server starts there again' : ' and kept serving'}.`);
  }
}
