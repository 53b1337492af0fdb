/**
 * Requests for a sleeping app, against the real router (in-process) and the shared Redis (under a
 * unique instance prefix), with real HTTP backends and the scheduler played by the test:
 *
 *   route asleep, no backends ─▶ requests held, one "wake" event on the events channel
 *   route gets a backend      ─▶ every held request answered by it, nothing lost
 *   no backend in time        ─▶ 503 wake page (H20); more than the bound waiting ─▶ 503 at once
 *   awake past the wake window, no backends ─▶ 503 at once (down, not waking)
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis, keysFor, onEvents, RoutingTable, type AppEvent, type Route } from '@gantry/live';
import { createLogger } from '../../apps/router/src/log';
import { startRouter, type RunningRouter } from '../../apps/router/src/server';
import { request, startBackend, until, type Backend } from './helpers/router-processes';

const keys = keysFor(`wake-${randomBytes(4).toString('hex')}`);
const redisUrl = 'redis://127.0.0.1:6379';
const admin = connectRedis(redisUrl, 'wake-test');
const routing = new RoutingTable(admin, keys);
const events: AppEvent[] = [];
const logLines: string[] = [];
let router: RunningRouter;
let backend: Backend;
let stopEvents: () => Promise<void>;
const conns = [connectRedis(redisUrl, 'wake-router'), connectRedis(redisUrl, 'wake-router-sub'), connectRedis(redisUrl, 'wake-events')];

const WAKE_MS = 3000;
const sleeping = (app: string, o: { asleep?: boolean; wokeAt?: number | null; ports?: number[] } = {}): Route => ({
  app,
  appId: `id-${app}`,
  backends: (o.ports ?? []).map((port, i) => ({ id: `${app}-${port}`, host: '127.0.0.1', port, process: `web.${i + 1}` })),
  options: { firstByteMs: 5000, idleMs: 55_000, httpsRedirect: false, sleep: { asleep: o.asleep ?? true, wokeAt: o.wokeAt ?? null, wakeTimeoutMs: WAKE_MS } },
});
/** Sets routes and waits until the router serves them (a request sent earlier would get a 404). */
async function setRoutes(changes: Record<string, Route>): Promise<void> {
  const version = await routing.set(changes);
  await until(`the router at version ${version}`, () => router.version >= version, 5000, 10);
}
const get = (host: string, path = '/') => request(router.port, host, path, { agent: false });
const wakes = (app: string) => events.filter((e) => e.kind === 'wake' && e.appId === `id-${app}`);

beforeAll(async () => {
  stopEvents = await onEvents(conns[2]!, keys, (e) => events.push(e));
  backend = await startBackend('woken');
  router = await startRouter({
    bind: '127.0.0.1',
    port: 0,
    appsDomain: 'localhost',
    keys,
    redis: conns[0]!,
    subscriber: conns[1]!,
    log: createLogger('info', (l) => void logLines.push(l)),
    timeouts: { heartbeatMs: 500 },
  });
});

afterAll(async () => {
  await router?.close();
  await backend?.close();
  await stopEvents?.();
  const stale = await admin.keys(`${keys.prefix}*`);
  if (stale.length) await admin.del(...stale);
  for (const c of [...conns, admin]) c.disconnect();
});

describe('a sleeping app behind the router', { timeout: 30_000 }, () => {
  it('holds concurrent requests while it wakes, asks once for a wake, and answers them all once an instance is up', async () => {
    await setRoutes({ 'nap.localhost': sleeping('nap') });
    const started = Date.now();
    const replies = Promise.all(Array.from({ length: 12 }, (_, i) => get('nap.localhost', `/r${i}`)));
    await until('a wake event', () => wakes('nap').length > 0, 2000);
    // The scheduler wakes it: awake, still booting (no backend yet) — requests keep waiting...
    await setRoutes({ 'nap.localhost': sleeping('nap', { asleep: false, wokeAt: Date.now() }) });
    await new Promise((r) => setTimeout(r, 300));
    const late = get('nap.localhost', '/late');
    await new Promise((r) => setTimeout(r, 300));
    // ...until its instance is healthy.
    await setRoutes({ 'nap.localhost': sleeping('nap', { asleep: false, wokeAt: Date.now(), ports: [backend.port] }) });
    const all = [...(await replies), await late];
    expect(all.map((r) => r.status)).toEqual(Array(13).fill(200));
    expect(all.every((r) => JSON.parse(r.body).name === 'woken')).toBe(true);
    const took = Date.now() - started;
    expect(took).toBeLessThan(WAKE_MS);
    // One ask for 13 requests (asked again only every 2 s while the route still says asleep).
    expect(wakes('nap').length).toBeLessThanOrEqual(1 + Math.floor(took / 2000));
    expect(logLines.some((l) => l.includes('code=wake') && l.includes('app=nap'))).toBe(true);
  });

  it('answers 503 with a page naming the app when no instance is up within the wake timeout', async () => {
    await setRoutes({ 'stuck.localhost': sleeping('stuck') });
    const started = Date.now();
    const [a, b] = await Promise.all([get('stuck.localhost'), get('stuck.localhost', '/b')]);
    const waited = Date.now() - started;
    expect([a.status, b.status]).toEqual([503, 503]);
    expect(a.body).toContain('stuck did not wake up in time');
    expect(waited).toBeGreaterThanOrEqual(WAKE_MS - 100);
    // Asked again while it stayed asleep (a scheduler that missed the first ask still wakes it).
    expect(wakes('stuck').length).toBeGreaterThanOrEqual(2);
    expect(logLines.some((l) => l.includes('code=H20') && l.includes('app=stuck'))).toBe(true);
  });

  it('answers at once for an app awake past its wake window without instances (down, not waking)', async () => {
    await setRoutes({ 'down.localhost': sleeping('down', { asleep: false, wokeAt: Date.now() - 2 * WAKE_MS }) });
    await until('the route', async () => (await get('down.localhost')).status === 503, 2000);
    const started = Date.now();
    const r = await get('down.localhost');
    expect(r.status).toBe(503);
    expect(r.body).toContain('has no running instances');
    expect(Date.now() - started).toBeLessThan(1000);
    expect(wakes('down')).toHaveLength(0);
  });

  it('forgets a held request whose client left, and serves the others', async () => {
    await setRoutes({ 'left.localhost': sleeping('left') });
    const gone = http.request({ host: '127.0.0.1', port: router.port, path: '/gone', headers: { host: 'left.localhost' }, agent: false });
    const goneError = new Promise<string>((resolve) => {
      gone.on('error', (e) => resolve(e.message));
      gone.on('response', (r) => resolve(`answered ${r.statusCode} before the client left`));
    });
    gone.end();
    const stays = get('left.localhost', '/stays');
    await until('a wake event', () => wakes('left').length > 0, 2000);
    gone.destroy(new Error('client left'));
    expect(await goneError).toBe('client left');
    await setRoutes({ 'left.localhost': sleeping('left', { asleep: false, wokeAt: Date.now(), ports: [backend.port] }) });
    const served = await stays;
    expect(served.status).toBe(200);
    expect(JSON.parse(served.body).name).toBe('woken');
  });
});
