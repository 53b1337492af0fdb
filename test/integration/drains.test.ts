/**
 * The drain forwarder against real parts: the shared Redis (under a unique instance prefix),
 * the real Forwarder, readers and transports in-process, and local collectors: syslog over TLS
 * (self-signed certificate, trusted through the transport's `ca`), HTTP logplex, a collector that
 * accepts and never reads, and a port nothing listens on. Drains come from an in-memory source.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppLogs, connectRedis, drainKeys, keysFor, readDrainStats } from '@gantry/live';
import { createLogger } from '@gantry/log';
import { Forwarder, type DrainSource } from '../../apps/drains/src/forwarder';
import type { DrainSpec } from '../../apps/drains/src/reconcile';
import { startStatsWriter } from '../../apps/drains/src/service';
import { transportFor } from '../../apps/drains/src/transports';
import { selfSigned } from '../e2e/helpers/certs';
import { closedPort, deadReceiver, httpReceiver, lineOf, syslogReceiver, type Receiver } from './drain-receivers';

const instance = `dr-${randomBytes(4).toString('hex')}`;
const keys = keysFor(instance);
const APP = 'app-1';
const cert = selfSigned(['localhost']);

let redis: Redis;
let logs: AppLogs;
let forwarder: Forwarder;
let drains: DrainSpec[] = [];
const receivers: Receiver[] = [];
const source: DrainSource = { load: async (appId) => drains.filter((d) => appId === undefined || d.appId === appId) };

const drain = (id: string, url: string, appId = APP): DrainSpec => ({ id, appId, appName: appId, url, token: `d.${id}` });

async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await cond()) return;
    await sleep(20);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Appends lines "<prefix> <n> <padding>" in batches of 100, as agents do. */
async function appendLines(prefix: string, count: number, pad = 0, appId = APP): Promise<string[]> {
  const lines = Array.from({ length: count }, (_, i) => `${prefix} ${i}${pad ? ` ${'x'.repeat(pad)}` : ''}`);
  for (let i = 0; i < lines.length; i += 100) {
    await logs.append(appId, lines.slice(i, i + 100).map((line) => ({ source: 'app' as const, process: 'web.1', line })));
  }
  return lines;
}

beforeAll(async () => {
  redis = connectRedis('redis://127.0.0.1:6379/0', `${instance}-test`);
  logs = new AppLogs(redis, keys.prefix, 100_000);
  forwarder = new Forwarder({
    source,
    logs,
    connect: (name) => connectRedis('redis://127.0.0.1:6379/0', name),
    transportFor: (spec, target) => transportFor(target, spec.token, { connectTimeoutMs: 1_000, writeTimeoutMs: 1_000, ca: cert.cert }),
    log: createLogger('drains-test', 'warn'),
    blockMs: 1_000,
  });
});

afterAll(async () => {
  await forwarder?.stop();
  await Promise.all(receivers.map((r) => r.close()));
  const leftovers = await redis.keys(`gantry:${instance}:*`);
  if (leftovers.length) await redis.del(...leftovers);
  redis.disconnect();
});

describe('drain forwarder', () => {
  it('delivers every line in order to live collectors while a dead one and an unreachable one stall', async () => {
    const tlsSyslog = await syslogReceiver(cert);
    const web = await httpReceiver();
    const dead = await deadReceiver();
    receivers.push(tlsSyslog, web, dead);
    drains = [
      drain('tls', `syslog+tls://localhost:${tlsSyslog.port}`),
      drain('http', `http://127.0.0.1:${web.port}/logs`),
      drain('dead', `syslog://127.0.0.1:${dead.port}`),
      drain('refused', `syslog://127.0.0.1:${await closedPort()}`),
    ];
    await logs.append(APP, [{ source: 'app', process: 'web.1', line: 'before the drains' }]);
    await forwarder.sync();

    // ~8 MB: more than the dead collector's socket buffers hold, so its writes stall and time out.
    const started = Date.now();
    const lines = await appendLines('line', 20_000, 400);
    await until('every line at both live collectors', () => tlsSyslog.messages.length >= lines.length && web.messages.length >= lines.length);
    const elapsed = Date.now() - started;

    expect(tlsSyslog.messages.map(lineOf)).toEqual(lines);
    expect(web.messages.map(lineOf)).toEqual(lines);
    expect(tlsSyslog.messages[0]).toMatch(/^<190>1 \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z d\.tls app web\.1 - - line 0 x+$/);
    expect(web.messages[0]).toMatch(/^<190>1 \S+ d\.http app web\.1 - - line 0 /);
    expect(web.batches[0]).toMatchObject({ 'content-type': 'application/logplex-1', 'logplex-drain-token': 'd.http' });
    expect(web.batches.reduce((n, h) => n + Number(h['logplex-msg-count']), 0)).toBe(lines.length);
    // The dead collectors cost neither the others nor the app anything: a few seconds for 20,000 lines.
    expect(elapsed).toBeLessThan(15_000);

    await until('the unreachable drain to report its error', () => /ECONNREFUSED/.test(forwarder.stats().get('refused')?.error ?? ''));
    await until('the stalled drain to time out its writes', () => /write timed out/.test(forwarder.stats().get('dead')?.error ?? ''), 30_000);
    const stats = forwarder.stats();
    expect(stats.get('tls')).toMatchObject({ delivered: lines.length, dropped: 0 });
    expect(stats.get('refused')!.delivered).toBe(0);
    expect(stats.get('refused')!.dropped + stats.get('refused')!.queued).toBeGreaterThan(0);
    expect(stats.get('dead')!.dropped).toBeGreaterThan(0);
  });

  it('writes counters to Redis for the API', async () => {
    const stop = startStatsWriter(forwarder, redis, keys.prefix, createLogger('drains-test', 'error'), 50);
    await until('counters in Redis', async () => (await readDrainStats(redis, keys.prefix, ['tls'])).size === 1);
    await stop();
    const stats = await readDrainStats(redis, keys.prefix, ['tls', 'http', 'dead', 'nope']);
    expect(stats.get('tls')).toMatchObject({ delivered: 20_000, dropped: 0 });
    expect(stats.has('nope')).toBe(false);
    expect(await redis.hlen(drainKeys(keys.prefix).stats)).toBe(4);
  });

  it('reconnects to a collector that dropped the connection', async () => {
    const tlsSyslog = receivers[0]!;
    tlsSyslog.cut();
    // Lines written as the cut happens may be lost; later ones arrive over a new connection.
    await until('a line after the cut', async () => {
      await appendLines('after-cut', 1);
      return tlsSyslog.messages.some((m) => lineOf(m) === 'after-cut 0');
    });
  });

  it('stops a removed drain and starts a new one at the end of the stream', async () => {
    const web = receivers[1]!;
    const fresh = await syslogReceiver();
    receivers.push(fresh);
    drains = [drain('tls', drains[0]!.url), drain('fresh', `syslog://127.0.0.1:${fresh.port}`)];
    await forwarder.sync(APP);
    expect([...forwarder.stats().keys()].sort()).toEqual(['fresh', 'tls']);
    await sleep(200); // a batch already sent when the drain stopped may still land
    const before = web.messages.length;
    const lines = await appendLines('later', 50);
    await until('the new drain to get the later lines', () => fresh.messages.length >= 50);
    expect(fresh.messages.map(lineOf)).toEqual(lines);
    await sleep(300);
    expect(web.messages.length).toBe(before);
  });

  it('retries a batch a collector fails (same frame id), and drops one it refuses', async () => {
    const failing = await httpReceiver(503);
    const refusing = await httpReceiver(413);
    receivers.push(failing, refusing);
    drains = [...drains, drain('503', `http://127.0.0.1:${failing.port}/`), drain('413', `http://127.0.0.1:${refusing.port}/`)];
    await forwarder.sync(APP);
    await appendLines('refused', 3);
    await until('three attempts at the failing collector', () => failing.batches.length >= 3);
    await until('the failing batch to be given up', () => forwarder.stats().get('503')?.dropped === 3);
    expect(new Set(failing.batches.map((h) => h['logplex-frame-id'])).size).toBe(1);
    expect(forwarder.stats().get('503')!.error).toBe('HTTP 503 from the collector');
    await until('the refused batch to be dropped', () => forwarder.stats().get('413')?.dropped === 3);
    expect(refusing.batches).toHaveLength(1);
    drains = drains.filter((d) => d.id !== '503' && d.id !== '413');
    await forwarder.sync(APP);
  });

  it('keeps apps apart: one reader per app, each app\'s lines to its own drains only', async () => {
    const other = await syslogReceiver();
    receivers.push(other);
    drains = [...drains, drain('other', `syslog://127.0.0.1:${other.port}`, 'app-2')];
    await forwarder.sync('app-2');
    await appendLines('two', 10, 0, 'app-2');
    await appendLines('one', 10);
    await until('app-2 lines', () => other.messages.length >= 10);
    await sleep(200);
    expect(other.messages.map(lineOf)).toEqual(Array.from({ length: 10 }, (_, i) => `two ${i}`));
    drains = drains.filter((d) => d.appId !== 'app-2');
    await forwarder.sync();
    expect(forwarder.stats().has('other')).toBe(false);
  });
});
