/**
 * The drain forwarder against real parts: the shared Redis (under a unique instance prefix),
 * the real Forwarder, readers and transports in-process, and local collectors: syslog over TLS
 * (self-signed certificate, trusted through the transport's `ca`), HTTP logplex, a collector that
 * accepts and never reads, and a port nothing listens on. Drains come from an in-memory source.
 * The egress policy allows loopback for those collectors; the last block takes it away and checks
 * that a refused destination is never contacted and its refusal is the drain's reported error.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import net from 'node:net';
import { DEFAULT_POLICY, guardedLookup, parseCidr, type EgressPolicy } from '@gantry/core';
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
const LOOPBACK_ALLOWED: EgressPolicy = { allow: ['127.0.0.0/8', '::1/128'].map((c) => parseCidr(c)!), clusterHosts: [] };
let policy: EgressPolicy = LOOPBACK_ALLOWED;
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
    transportFor: (spec, target) => transportFor(target, spec.token, { connectTimeoutMs: 1_000, writeTimeoutMs: 1_000, ca: cert.cert, egress: async () => policy }),
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

describe('drain egress', () => {
  it('never contacts a loopback or private destination, in any notation or by name, and reports the refusal', async () => {
    const sys = await syslogReceiver();
    const web = await httpReceiver();
    receivers.push(sys, web);
    policy = DEFAULT_POLICY;
    drains = [
      drain('e-ip', `syslog://127.0.0.1:${sys.port}`),
      drain('e-hex', `syslog://0x7f.1:${sys.port}`),
      drain('e-name', `http://localhost:${web.port}/logs`),
      drain('e-mapped', `http://[::ffff:127.0.0.1]:${web.port}/logs`),
      drain('e-private', 'syslog://10.255.255.1:514'),
    ];
    await forwarder.sync();
    await appendLines('egress', 5);
    const errorOf = (id: string) => forwarder.stats().get(id)?.error ?? '';
    await until('every drain to report its refusal', () => drains.every((d) => errorOf(d.id) !== ''));
    expect(errorOf('e-ip')).toMatch(/^drain destination 127\.0\.0\.1 is a loopback address \(127\.0\.0\.0\/8\); only public addresses are allowed\. An admin can allow the range with `gantry settings:set egress\.allow=127\.0\.0\.0\/8`/);
    expect(errorOf('e-hex')).toMatch(/^drain destination 0x7f\.1 \(127\.0\.0\.1\) is a loopback address/);
    expect(errorOf('e-name')).toMatch(/^drain destination localhost \(127\.0\.0\.1\) is a loopback address/);
    expect(errorOf('e-mapped')).toMatch(/^drain destination \[::ffff:7f00:1\] \(::ffff:7f00:1\) is an IPv6 address carrying 127\.0\.0\.1, which is a loopback address/);
    expect(errorOf('e-private')).toMatch(/^drain destination 10\.255\.255\.1 is a private address \(10\.0\.0\.0\/8\)/);
    await sleep(500);
    expect(sys.connections).toBe(0);
    expect(web.connections).toBe(0);
    for (const d of drains) expect(forwarder.stats().get(d.id)!.delivered, d.id).toBe(0);

    // An admin allows loopback: the same drains deliver from their next attempt on.
    policy = { allow: [parseCidr('127.0.0.0/8')!], clusterHosts: [] };
    await until('lines at the allowed collectors', async () => {
      await appendLines('allowed', 1);
      return sys.messages.some((m) => lineOf(m) === 'allowed 0') && web.messages.some((m) => lineOf(m) === 'allowed 0');
    }, 60_000);
    expect(forwarder.stats().get('e-ip')!.error).toBeUndefined();
    expect(errorOf('e-private')).toMatch(/private address/);
    drains = [];
    await forwarder.sync();
    policy = LOOPBACK_ALLOWED;
  });

  it('checks the address the socket connects to, not an earlier answer (DNS rebinding)', async () => {
    const sys = await syslogReceiver();
    receivers.push(sys);
    // A resolver that says "public" at a first lookup and "loopback" at every later one.
    let lookups = 0;
    const rebinding = (_h: string, _o: unknown, cb: (e: null, a: { address: string; family: number }[]) => void) =>
      cb(null, [{ address: lookups++ === 0 ? '93.184.216.34' : '127.0.0.1', family: 4 }]);
    const lookup = guardedLookup(() => DEFAULT_POLICY, 'drain destination', rebinding);
    // The first answer would pass a check made before connecting...
    await new Promise<void>((done) => lookup('rebind.example', { all: true }, (err) => (expect(err).toBeNull(), done())));
    // ...but the connect itself resolves again and is refused before any packet leaves.
    const socket = net.connect({ host: 'rebind.example', port: sys.port, lookup });
    const err = await new Promise<Error>((done) => socket.once('error', done));
    expect(err.message).toMatch(/^drain destination rebind\.example \(127\.0\.0\.1\) is a loopback address/);
    await sleep(200);
    expect(sys.connections).toBe(0);
  });
});
