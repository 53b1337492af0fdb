/**
 * Sleeping web types against a real Postgres (a fresh database) and Redis: ps:sleep's use cases
 * (validation, --now, --off, ps:scale waking), the scheduler's Sleeper reading the routers'
 * last-request stamps written by the real MetricsStore, and a router's wake event waking it —
 * each change a line in the app's log and a wake of the scheduler.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@gantry/config';
import { applyScale, createApp, createRelease, setAutoscale, setSleep, updateFormation, type Actor, type Ctx } from '@gantry/control';
import { Conflict, InvalidInput } from '@gantry/core';
import { connectDb, type Db } from '@gantry/db';
import { MetricsStore, bucketOf, connectRedis, countRequest, keysFor, newCounters } from '@gantry/live';
import { createLogger } from '@gantry/log';
import { Sleeper } from '../../apps/scheduler/src/sleeper';
import { migratedDatabase } from './helpers/scratch-db';
import { tearDown, testOwner } from './helpers/use-case-setup';

const config = loadConfig(process.env);
const keys = keysFor(`itsl${randomBytes(3).toString('hex')}`);
const redis = connectRedis(config.REDIS_URL, 'it-sleep');
const MIN = 60_000;

describe('sleeping apps', () => {
  let db: Db;
  let ctx: Ctx;
  let owner: Actor;
  const wakes: string[] = [];
  const lines: string[] = [];
  const metrics = new MetricsStore(redis, keys);
  const sleeper = () => new Sleeper({ ctx, metrics, log: createLogger('test', 'error') });

  async function webApp() {
    const app = await createApp(ctx, owner, {});
    await createRelease(ctx, { appId: app.id, description: 'Deploy', imageRef: 'img:1', config: {}, processTypes: { web: 'serve', worker: 'work' }, healthChecks: {} });
    return app;
  }
  const entry = (appId: string, type = 'web') => db.formationEntry.findUniqueOrThrow({ where: { appId_type: { appId, type } } });
  const err = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => e as Error);
  async function request(appId: string): Promise<void> {
    const c = newCounters();
    countRequest(c, 200, 5);
    await metrics.addRouter(bucketOf(Date.now()), new Map([[appId, c]]));
  }

  beforeAll(async () => {
    db = connectDb(await migratedDatabase('gantry_it_sleep'), { max: 4 });
    ctx = {
      db,
      queues: { add: async () => '' },
      imageRepoPrefix: 'gantry-itsl',
      live: { wake: async (appId, why) => void wakes.push(`${appId} ${why}`), hostChanged: async () => {} },
      events: { append: async (appId, line) => void lines.push(`${appId} ${line}`) },
    };
    owner = await testOwner(ctx, 'sl-owner@example.test');
  });

  afterAll(() => tearDown(redis, keys.prefix, db));

  it('sets when web sleeps and refuses what cannot sleep, with the reason', async () => {
    const app = await webApp();
    const set = await setSleep(ctx, owner, app.name, 'web', { after: '45m' });
    expect(set).toMatchObject({ type: 'web', sleepAfter: 2700, sleepingSince: null });
    expect((await entry(app.id)).awakeSince).not.toBeNull();
    expect(lines.at(-1)).toBe(`${app.id} web sleeps after 45m without a request, set by sl-owner@example.test`);
    expect(wakes.at(-1)).toBe(`${app.id} sleep of web set by sl-owner@example.test`);

    const cases: [Promise<unknown>, RegExp][] = [
      [setSleep(ctx, owner, app.name, 'worker', { after: '30m' }), /Only web can sleep: a router wakes it on a request, and worker serves none/],
      [setSleep(ctx, owner, app.name, 'web', { after: '30' }), /--after takes a duration like 30m/],
      [setSleep(ctx, owner, app.name, 'web', { after: '10s' }), /between 1m and 30d/],
      [setSleep(ctx, owner, app.name, 'web', {}), /--after 30m, --now or --off/],
      [setSleep(ctx, owner, app.name, 'web', { off: true, now: true }), /--off cannot be combined/],
    ];
    for (const [p, message] of cases) {
      const e = await err(p);
      expect(e).toBeInstanceOf(InvalidInput);
      expect(e!.message).toMatch(message);
    }
    await updateFormation(ctx, owner, app.name, { web: { quantity: 0 } });
    expect(await err(setSleep(ctx, owner, app.name, 'web', { now: true }))).toBeInstanceOf(Conflict);
    expect((await entry(app.id)).sleepAfter).toBe(2700);
  });

  it('puts an idle type to sleep, never one that served a request or just woke, and wakes it for a router', async () => {
    const idle = await webApp();
    const busy = await webApp();
    const fresh = await webApp();
    for (const a of [idle, busy, fresh]) await setSleep(ctx, owner, a.name, 'web', { after: '1m' });
    // Awake for 2 minutes: idle never served; busy served a request just now; fresh was just set.
    for (const a of [idle, busy]) await db.formationEntry.update({ where: { appId_type: { appId: a.id, type: 'web' } }, data: { awakeSince: new Date(Date.now() - 2 * MIN) } });
    await request(busy.id);

    const slept = await sleeper().tick();
    expect(slept).toEqual([`${idle.name} web`]);
    expect((await entry(idle.id)).sleepingSince).not.toBeNull();
    expect((await entry(idle.id)).quantity).toBe(1);
    expect((await entry(busy.id)).sleepingSince).toBeNull();
    expect((await entry(fresh.id)).sleepingSince).toBeNull();
    expect(lines.at(-1)).toMatch(new RegExp(`^${idle.id} web is going to sleep: no request for 2m; the next request wakes it$`));
    expect(wakes.at(-1)).toBe(`${idle.id} web sleeps`);
    expect(await sleeper().tick()).toEqual([]);

    // Later: busy's last request is older than its minute too.
    expect(await sleeper().tick(Date.now() + 2 * MIN)).toEqual(expect.arrayContaining([`${busy.name} web`, `${fresh.name} web`]));

    // A router holds a request for idle: it wakes, once, with a line saying by whom.
    await sleeper().wake(idle.id, 'router-a');
    await sleeper().wake(idle.id, 'router-b');
    const woke = await entry(idle.id);
    expect(woke.sleepingSince).toBeNull();
    expect(woke.awakeSince!.getTime()).toBeGreaterThan(Date.now() - MIN);
    expect(lines.filter((l) => l.startsWith(idle.id) && l.includes('waking up on a request'))).toEqual([expect.stringMatching(/web waking up on a request \(asleep for \d+ s, held by router-a\)/)]);
    expect(wakes.at(-1)).toBe(`${idle.id} woken by router-a`);
    // Just woken: not back to sleep at the next tick, though its last request is unknown.
    expect(await sleeper().tick()).not.toContain(`${idle.name} web`);
  });

  it('sleeps now, wakes on ps:scale, never again with --off; the autoscaler leaves a sleeping type alone', async () => {
    const app = await webApp();
    const now = await setSleep(ctx, owner, app.name, 'web', { now: true });
    expect(now.sleepAfter).toBe(1800);
    expect(now.sleepingSince).not.toBeNull();
    expect(lines.at(-1)).toContain('web put to sleep by sl-owner@example.test; the next request wakes it (then it sleeps after 30m without a request)');

    await setAutoscale(ctx, owner, app.name, 'web', { min: 1, max: 4, metric: 'rps', target: 10 });
    expect(await applyScale(ctx, { appId: app.id, type: 'web', from: 1, to: 2, metric: 'rps', observed: 30, target: 10, reason: 'test' })).toBe(false);

    const other = await webApp();
    await setSleep(ctx, owner, other.name, 'web', { now: true });
    await updateFormation(ctx, owner, other.name, { web: { quantity: 2 } });
    expect(await entry(other.id)).toMatchObject({ quantity: 2, sleepingSince: null, sleepAfter: 1800 });

    await setSleep(ctx, owner, other.name, 'web', { now: true });
    const off = await setSleep(ctx, owner, other.name, 'web', { off: true });
    expect(off).toMatchObject({ sleepAfter: null, sleepingSince: null });
    expect(lines.at(-1)).toContain('web never sleeps any more (waking it now)');
    expect(await sleeper().tick(Date.now() + 365 * 24 * 60 * MIN)).not.toContain(`${other.name} web`);
  });
});
