/**
 * hosts:drain of a host that holds data: its instances can move by themselves, its volumes and
 * add-ons cannot. Without --move the drain is refused (409) with the list and the commands that
 * move each one; with --move each goes to the first host that is up, not draining, and meets the
 * constraints of the process type that mounts it, and the host is drained once all have moved.
 *
 *   hosts:drain H        ─ holds nothing ─> draining
 *                        ─ holds data    ─> 409: "volumes:move X --to B; addons:move P --to B"
 *   hosts:drain H --move ─> for each: choose a host ─> move (relocate.ts / move-addon.ts) ─> draining
 */
import { Conflict, Unavailable } from '@gantry/core';
import type { Host } from '@gantry/db';
import { satisfies, type Constraint } from '@gantry/scheduler-core';
import type { Actor, Ctx } from '../context';
import { getHost, setDraining } from '../hosts';
import { platformOf } from '../addons/addons';
import { helperImages } from './move-volume';
import { moveAddonData } from './move-addon';
import { relocateVolume, type VolumeMoveResult } from './relocate';

/** A volume or add-on on the host, with the host it would move to and the command that does it. */
export interface HeldData {
  kind: 'volume' | 'addon';
  name: string;
  /** null: no other host can take it (the command then names none). */
  to: string | null;
  command: string;
}

export interface HostMove extends VolumeMoveResult {
  kind: 'volume' | 'addon';
  method: 'copy' | 'replication';
}

interface Holding {
  volume: { id: string; name: string; hostId: string | null; appId: string | null; processType: string | null };
  /** A single-server add-on whose data it is (moved by addons:move); null for an HA add-on's volumes. */
  addon: { name: string; kind: string; appId: string; teamId: string } | null;
  /** One of an HA add-on's volumes (a member's or its etcd's): moved as a volume, kept apart. */
  ha: boolean;
}

/**
 * The first host (by name) that is not `from`, not draining, answers, and meets the mounting type's
 * constraints; for an HA add-on's volume, also none holding another of its volumes (kept apart).
 */
export async function chooseTarget(ctx: Ctx, from: Host, h: Holding): Promise<Host | null> {
  const constraints = await constraintsOf(ctx, h);
  const siblings = h.ha ? (await ctx.db.volume.findMany({ where: { appId: h.volume.appId, id: { not: h.volume.id }, hostId: { not: null } }, select: { hostId: true } })).map((v) => v.hostId!) : [];
  const candidates = await ctx.db.host.findMany({ where: { draining: false, id: { notIn: [from.id, ...siblings] } }, orderBy: { name: 'asc' } });
  for (const c of candidates) {
    if (!satisfies({ ...(c.labels as Record<string, string>), 'gantry.host': c.name }, constraints)) continue;
    if (await platformOf(ctx).copier.reachable(c.id)) return c;
  }
  return null;
}

async function constraintsOf(ctx: Ctx, h: Holding): Promise<Constraint[]> {
  const appId = h.addon?.appId ?? h.volume.appId;
  if (!appId) return [];
  const entries = await ctx.db.formationEntry.findMany({ where: { appId, ...(h.volume.processType ? { type: h.volume.processType } : {}) } });
  return entries.flatMap((e) => (e.constraints as unknown as Constraint[] | null) ?? []);
}

async function holdings(ctx: Ctx, host: Host): Promise<Holding[]> {
  const rows = await ctx.db.volume.findMany({
    where: { hostId: host.id },
    include: { addon: { select: { name: true, kind: true, appId: true, teamId: true } }, app: { select: { addon: { select: { ha: true } } } } },
    orderBy: { name: 'asc' },
  });
  return rows.map((v) => {
    const ha = v.app?.addon?.ha === true;
    return { volume: v, addon: ha ? null : v.addon, ha };
  });
}

/** What the host holds, each with where it would go and the command. */
export async function heldData(ctx: Ctx, host: Host): Promise<HeldData[]> {
  const out: HeldData[] = [];
  for (const h of await holdings(ctx, host)) {
    const to = (await chooseTarget(ctx, host, h))?.name ?? null;
    const name = h.addon?.name ?? h.volume.name;
    const verb = h.addon ? 'addons:move' : 'volumes:move';
    out.push({ kind: h.addon ? 'addon' : 'volume', name, to, command: `gantry ${verb} ${name} --to ${to ?? 'HOST'}` });
  }
  return out;
}

/** Refuses (409, with the list) when the host holds data and `move` is not set. */
export function refuseHeld(host: Host, held: HeldData[]): never {
  const what = held.map((d) => `${d.kind === 'addon' ? 'add-on' : 'volume'} ${d.name} (${d.command})`);
  throw new Conflict(
    `${host.name} holds data that does not move by itself: ${what.join('; ')}. Move ${held.length === 1 ? 'it' : 'them'} first, or drain with --move to move ${held.length === 1 ? 'it' : 'them'} to the best other host. Nothing was drained.`,
    { held },
  );
}

/** Moves everything the host holds to other hosts; stops at the first failure (what moved stays moved). */
export async function moveHeld(ctx: Ctx, host: Host, progress?: (line: string) => void): Promise<HostMove[]> {
  const moved: HostMove[] = [];
  for (const h of await holdings(ctx, host)) {
    const name = h.addon?.name ?? h.volume.name;
    const target = await chooseTarget(ctx, host, h);
    const done = moved.length ? ` (moved already: ${moved.map((m) => `${m.volume} to ${m.to}`).join(', ')})` : '';
    if (!target) throw new Unavailable(`No other host can take ${name} (up, not draining, meeting its constraints): ${host.name} was not drained${done}.`);
    try {
      if (h.addon) {
        const r = await moveAddonData(ctx, { ...h.addon, volume: h.volume }, host, target, { progress });
        moved.push({ ...r, kind: 'addon' });
      } else {
        const r = await relocateVolume(ctx, h.volume, host, target, { images: await helperImages(ctx, h.volume.appId), ...(progress ? { progress } : {}) });
        moved.push({ ...r, kind: 'volume', method: 'copy' });
      }
    } catch (err) {
      throw new Unavailable(`${(err as Error).message} ${host.name} was not drained${done}.`);
    }
  }
  return moved;
}

/** hosts:drain NAME [--move]: see the header. Admins only (getHost checks). */
export async function drainHost(ctx: Ctx, actor: Actor, name: string, opts: { move?: boolean; progress?: (line: string) => void } = {}): Promise<{ host: Host; moved: HostMove[] }> {
  const host = await getHost(ctx, actor, name);
  const held = await ctx.db.volume.count({ where: { hostId: host.id } });
  let moved: HostMove[] = [];
  if (held > 0) {
    if (!opts.move) refuseHeld(host, await heldData(ctx, host));
    moved = await moveHeld(ctx, host, opts.progress);
  }
  return { host: await setDraining(ctx, actor, name, true), moved };
}
