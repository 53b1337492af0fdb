/**
 * The move and failover slots of bench:addons, measured on the lab of addons-lab.ts while a
 * writer loop (addons-writer.ts) writes through the app on H0:
 *
 *   move:     addons:create postgres (not on H0) ─▶ writes ok ─▶ Writer ─▶ addons:move to the
 *             other data host ─▶ writes resume ─▶ stop, /ids: pause, acked, lost ─▶ addons:destroy
 *   failover: addons:create postgres --ha (members on H1, H2; etcd on H0) ─▶ writes ok ─▶ Writer
 *             ─▶ kill the leader's host ─▶ another member leader (promotion time) ─▶ writes resume
 *             ─▶ stop, /ids: pause, acked, lost
 *
 * A slot whose measurement throws keeps the reason (printed as FAILED, exit 1) and the other
 * figures stay. The write pause is the longest time between two acknowledged writes.
 */
import type { AddonHaView } from '@gantry/api-client';
import type { AddonBench } from './addons-setup';
import type { Measured, Slot } from './addons-figures';
import { startAddonLab, type AddonLab } from './addons-lab';
import { call, heldIds, lostWrites, Writer, writePause } from './addons-writer';

/** Acknowledged writes wanted before the event, and after it (writes resumed). */
const BEFORE = 20;
const AFTER = 20;
const RESUME_TIMEOUT_MS = 180_000;
const PROMOTION_TIMEOUT_MS = 180_000;

const msg = (err: unknown) => (err instanceof Error ? err.message : String(err));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it gives a value (errors count as "not yet"); throws after `timeoutMs`. */
async function poll<T>(what: string, check: () => Promise<T | null | undefined | false>, timeoutMs: number, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const v = await check().catch((err: unknown) => ((last = msg(err)), null));
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${last ? ` (last error: ${last})` : ''}`);
    await sleep(intervalMs);
  }
}

/** Runs one slot's measurement: its figures, or the reason it failed (printed at once). */
export async function measureSlot(label: string, measure: () => Promise<Measured>): Promise<Slot> {
  try {
    return await measure();
  } catch (err) {
    console.error(`  ${label} FAILED: ${msg(err)}`);
    return { failed: msg(err) };
  }
}

/** Waits until the app commits writes (its release with the new DATABASE_URL runs, its release phase migrated). */
const writesOk = (l: AddonLab) => poll(`${l.app} to write to its database`, async () => (await call(l.address, 'POST', '/write?id=0')).status === 200, 240_000, 500);

/**
 * A Writer around `event`: BEFORE acknowledged writes first, then the event, then writes resumed
 * (AFTER more, the newest after the event ended); then every acknowledged id looked up in the database.
 */
async function writeThrough<T>(l: AddonLab, event: () => Promise<T>): Promise<{ result: T } & Measured> {
  const w = new Writer(l.address, 1);
  let result: T;
  try {
    await poll(`${BEFORE} acknowledged writes`, async () => w.acked.length >= BEFORE, 60_000, 100);
    result = await event();
    const ended = Date.now();
    const before = w.acked.length;
    await poll('writes to resume', async () => w.lastAckAt() > ended && w.acked.length >= before + AFTER, RESUME_TIMEOUT_MS, 200);
  } finally {
    await w.stop();
  }
  const lost = lostWrites(w.acked, await heldIds(l.address));
  return { result, pauseMs: writePause(w.at), acked: w.acked.length, lost: lost.length };
}

const s1 = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** addons:move of a single Postgres server between the data hosts while the app writes. */
export async function measureMove(l: AddonLab): Promise<Measured> {
  const [h0, h1, h2] = l.hosts.map((h) => h.name) as [string, string, string];
  console.log('Move: creating a Postgres add-on off the app host...');
  const { addon } = await l.client.createAddon(l.app, { kind: 'postgres', constraints: [`gantry.host!=${h0}`] });
  const name = addon.name;
  try {
    const from = (await l.client.addon(name)).host;
    if (from !== h1 && from !== h2) throw new Error(`${name} was placed on ${from}, not on ${h1} or ${h2}`);
    const to = from === h1 ? h2 : h1;
    await writesOk(l);
    console.log(`  ${name} on ${from}; writing while addons:move ${name} --to ${to}...`);
    const { result: moved, ...f } = await writeThrough(l, () => l.client.moveAddon(name, to));
    const now = (await l.client.addon(name)).host;
    if (now !== to) throw new Error(`after addons:move, ${name} is on ${now}, not ${to}`);
    const note = `${from} -> ${to} by ${moved.method}: standby caught up in ${s1(moved.copyMs)}, server stopped ${s1(moved.stoppedMs)} for the switch`;
    console.log(`  ${s1(f.pauseMs)} pause, ${f.lost} of ${f.acked} lost; ${note}`);
    return { ...f, note };
  } finally {
    // The app's DATABASE is free for the failover slot's add-on (the final backup is small).
    console.log(`  destroying ${name}...`);
    await l.client.destroyAddon(name, name).catch((err: unknown) => console.error(`  destroying ${name} failed: ${msg(err)}`));
  }
}

const hostOf = (ha: AddonHaView, member: string | null) => ha.members.find((m) => m.name === member)?.host ?? null;

/** addons:create postgres --ha, then its leader's host killed while the app writes. */
export async function measureFailover(l: AddonLab): Promise<Measured> {
  const [h0] = l.hosts.map((h) => h.name) as [string];
  console.log('Failover: creating an HA Postgres add-on (members off the app host)...');
  const { addon } = await l.client.createAddon(l.app, { kind: 'postgres', ha: true, constraints: [`gantry.host!=${h0}`] });
  const name = addon.name;
  await writesOk(l);
  const ha = await poll(`${name}'s leader and synchronous standby`, async () => {
    const h = (await l.client.addon(name)).ha;
    return h?.leader && h.members.some((m) => m.sync) ? h : null;
  }, 60_000);
  const leader = ha.leader!;
  const leaderHost = hostOf(ha, leader);
  if (!leaderHost || leaderHost === h0) throw new Error(`${name}'s leader ${leader} is on ${leaderHost}, not on a data host`);
  console.log(`  ${name}: ${ha.members.map((m) => `${m.name} ${m.role} on ${m.host}${m.sync ? ' (sync)' : ''}`).join(', ')}`);
  console.log(`  writing while the leader's host ${leaderHost} is killed...`);
  let promotionMs = 0;
  let next = '';
  const f = await writeThrough(l, async () => {
    const killed = Date.now();
    await l.lab.killHost(leaderHost);
    const after = await poll('another member to be leader', async () => {
      const h = (await l.client.addon(name)).ha;
      return h?.leader && h.leader !== leader ? h : null;
    }, PROMOTION_TIMEOUT_MS);
    promotionMs = Date.now() - killed;
    next = `${after.leader} on ${hostOf(after, after.leader)}`;
  });
  const note = `leader ${leader} on ${leaderHost} killed, ${next} promoted`;
  console.log(`  ${s1(f.pauseMs)} pause, ${f.lost} of ${f.acked} lost, promotion ${s1(promotionMs)}; ${note}`);
  // The HA add-on stays: a member's host is dead; the lab's clean-up removes it all.
  return { pauseMs: f.pauseMs, acked: f.acked, lost: f.lost, promotionMs, note };
}

/** The lab, then both slots in turn; a lab that cannot start fails both with its reason. */
export async function measureSlots(b: AddonBench): Promise<{ move: Slot; failover: Slot }> {
  let lab: AddonLab;
  try {
    lab = await startAddonLab(b);
  } catch (err) {
    console.error(`  lab FAILED: ${msg(err)}`);
    const failed = { failed: `the lab did not start: ${msg(err)}` };
    return { move: failed, failover: failed };
  }
  const move = await measureSlot('move', () => measureMove(lab));
  const failover = await measureSlot('failover', () => measureFailover(lab));
  return { move, failover };
}
