/**
 * Does a dead drain slow an app's logging?
 *   npx tsx scripts/bench/logs-drain.ts [--lines 100000] [--rounds 3] [--retention 10000]
 * Needs only Redis on 127.0.0.1:6379 (keys under gantry:bench-drain-<random>:, removed at the end).
 *
 * Three processes, as in production: this one appends lines at full speed through AppLogs (the
 * agent's role); a forwarder child runs the real Forwarder, readers and transports (the drains
 * service); a collectors child runs a healthy syslog receiver and a dead one (accepts, never reads).
 *
 *   (a) no drain            (b) one healthy drain            (c) one dead drain + one healthy
 *
 * For each case: append rate (lines/s), and how many lines the healthy collector got, how fast
 * (from the first append to the last line received), and what the dead drain dropped.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { AppLogs, connectRedis, DEFAULT_LOG_RETENTION } from '@gantry/live';
import { createLogger } from '@gantry/log';
import { Forwarder } from '../../apps/drains/src/forwarder';
import type { DrainSpec } from '../../apps/drains/src/reconcile';
import { parseFrames } from '../../apps/drains/src/syslog';
import { transportFor } from '../../apps/drains/src/transports';

const REDIS = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/0';
const SELF = fileURLToPath(import.meta.url);
const BATCH = 100; // lines per append, as agents batch a container's output

type Msg = { type: string; [k: string]: unknown };

function request(child: ChildProcess, msg: Msg, reply: string): Promise<Msg> {
  return new Promise((resolve) => {
    const on = (m: Msg) => {
      if (m.type !== reply) return;
      child.off('message', on);
      resolve(m);
    };
    child.on('message', on);
    child.send(msg);
  });
}

// ---------------------------------------------------------------------------------------------
// Child: collectors

async function collectors(): Promise<void> {
  let count = 0;
  let lastAt = 0;
  const healthy = net.createServer((s) => {
    let rest: Buffer = Buffer.alloc(0);
    s.on('data', (chunk: Buffer) => {
      const parsed = parseFrames(rest.length ? Buffer.concat([rest, chunk]) : chunk);
      count += parsed.messages.length;
      if (parsed.messages.length) lastAt = Date.now();
      rest = parsed.rest;
    });
    s.on('error', () => {});
  });
  const dead = net.createServer((s) => {
    s.pause();
    s.on('error', () => {});
  });
  for (const s of [healthy, dead]) {
    s.listen(0, '127.0.0.1');
    await once(s, 'listening');
  }
  process.on('message', (m: Msg) => {
    if (m.type === 'count') process.send!({ type: 'count', count, lastAt });
    if (m.type === 'reset') {
      count = 0;
      lastAt = 0;
      process.send!({ type: 'reset' });
    }
  });
  process.send!({ type: 'ports', healthy: (healthy.address() as AddressInfo).port, dead: (dead.address() as AddressInfo).port });
}

// ---------------------------------------------------------------------------------------------
// Child: forwarder

async function forwarder(): Promise<void> {
  const prefix = process.env.BENCH_PREFIX!;
  const drains = JSON.parse(process.env.BENCH_DRAINS!) as DrainSpec[];
  const redis = connectRedis(REDIS, 'bench-drains');
  const f = new Forwarder({
    source: { load: async () => drains },
    logs: new AppLogs(redis, prefix),
    connect: (name) => connectRedis(REDIS, name),
    transportFor: (spec, target) => transportFor(target, spec.token),
    log: createLogger('bench-drains', 'warn', (l) => process.stderr.write(l + '\n')),
  });
  await f.sync();
  process.on('message', async (m: Msg) => {
    if (m.type === 'stats') process.send!({ type: 'stats', stats: Object.fromEntries(f.stats()) });
    if (m.type === 'stop') {
      await f.stop();
      redis.disconnect();
      process.send!({ type: 'stopped' });
      process.exit(0);
    }
  });
  process.send!({ type: 'ready' });
}

// ---------------------------------------------------------------------------------------------
// The bench

interface Result {
  name: string;
  appendRate: number;
  delivered?: number;
  deliveryRate?: number;
  deadDropped?: number;
  deadError?: string;
  /** Lines the healthy drain's own queue dropped (the forwarder or collector fell behind). */
  healthyDropped?: number;
}

async function runCase(name: string, lines: number, retention: number, prefix: string, drains: Omit<DrainSpec, 'appId' | 'appName'>[], collectorsChild: ChildProcess): Promise<Result> {
  const appId = `app-${name.slice(1, 2)}`;
  const redis = connectRedis(REDIS, 'bench-append');
  const logs = new AppLogs(redis, prefix, retention);
  let fwd: ChildProcess | undefined;
  if (drains.length) {
    fwd = fork(SELF, ['--role', 'forwarder'], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, BENCH_PREFIX: prefix, BENCH_DRAINS: JSON.stringify(drains.map((d) => ({ ...d, appId, appName: appId }))) },
    });
    await once(fwd, 'message');
  }
  await request(collectorsChild, { type: 'reset' }, 'reset');
  const text = 'x'.repeat(80);
  const started = performance.now();
  const startedWall = Date.now();
  for (let i = 0; i < lines; i += BATCH) {
    const batch = [];
    for (let j = i; j < Math.min(lines, i + BATCH); j++) batch.push({ source: 'app' as const, process: 'web.1', line: `line ${j} ${text}` });
    await logs.append(appId, batch);
  }
  const appendMs = performance.now() - started;
  const result: Result = { name, appendRate: lines / (appendMs / 1000) };
  if (fwd) {
    // Wait until the healthy collector stops receiving (or has every line).
    let last = -1;
    for (;;) {
      await new Promise((r) => setTimeout(r, 500));
      const c = (await request(collectorsChild, { type: 'count' }, 'count')) as unknown as { count: number; lastAt: number };
      if (c.count >= lines || c.count === last) {
        result.delivered = c.count;
        result.deliveryRate = c.count / ((c.lastAt - startedWall) / 1000);
        break;
      }
      last = c.count;
    }
    const { stats } = (await request(fwd, { type: 'stats' }, 'stats')) as unknown as { stats: Record<string, { dropped: number; queued: number; error?: string }> };
    result.healthyDropped = stats.healthy?.dropped;
    if (stats.dead) {
      result.deadDropped = stats.dead.dropped;
      result.deadError = stats.dead.error;
    }
    await request(fwd, { type: 'stop' }, 'stopped');
  }
  await redis.del(logs.key(appId));
  redis.disconnect();
  return result;
}

async function main(): Promise<void> {
  const argLines = process.argv.indexOf('--lines');
  const lines = argLines > 0 ? Number(process.argv[argLines + 1]) : 100_000;
  const argRounds = process.argv.indexOf('--rounds');
  const rounds = argRounds > 0 ? Number(process.argv[argRounds + 1]) : 3;
  // The stream cap: a reader further behind than this loses the trimmed lines (as `gantry logs --tail` would).
  const argRetention = process.argv.indexOf('--retention');
  const retention = argRetention > 0 ? Number(process.argv[argRetention + 1]) : DEFAULT_LOG_RETENTION;
  const prefix = `gantry:bench-drain-${randomBytes(3).toString('hex')}:`;
  const collectorsChild = fork(SELF, ['--role', 'collectors'], { execArgv: ['--import', 'tsx'] });
  const [ports] = (await once(collectorsChild, 'message')) as [{ healthy: number; dead: number }];
  const healthy = { id: 'healthy', url: `syslog://127.0.0.1:${ports.healthy}`, token: 'd.healthy' };
  const dead = { id: 'dead', url: `syslog://127.0.0.1:${ports.dead}`, token: 'd.dead' };
  console.log(`${lines.toLocaleString('en-US')} lines of ~95 bytes, appended ${BATCH} per call through AppLogs (stream capped at ${retention.toLocaleString('en-US')}); ${rounds} rounds, cases interleaved, medians shown\n`);
  const cases = [
    ['(a) no drain', []],
    ['(b) one healthy drain', [healthy]],
    ['(c) dead drain + healthy drain', [dead, healthy]],
  ] as const;
  const all: Result[][] = cases.map(() => []);
  try {
    for (let round = 1; round <= rounds; round++) {
      for (const [i, [name, drains]] of cases.entries()) {
        const r = await runCase(name, lines, retention, prefix, [...drains], collectorsChild);
        all[i]!.push(r);
        console.log(`  round ${round} ${name}: append ${Math.round(r.appendRate)} lines/s${r.deliveryRate ? `, healthy ${r.delivered} at ${Math.round(r.deliveryRate)} lines/s (its queue dropped ${r.healthyDropped})` : ''}${r.deadDropped !== undefined ? `, dead dropped ${r.deadDropped}` : ''}`);
      }
    }
  } finally {
    collectorsChild.kill();
  }
  const median = (xs: (number | undefined)[]) => {
    const v = xs.filter((x): x is number => x !== undefined).sort((a, b) => a - b);
    return v.length ? v[Math.floor(v.length / 2)] : undefined;
  };
  const results: Result[] = all.map((rs) => ({
    name: rs[0]!.name,
    appendRate: median(rs.map((r) => r.appendRate))!,
    delivered: median(rs.map((r) => r.delivered)),
    deliveryRate: median(rs.map((r) => r.deliveryRate)),
    deadDropped: median(rs.map((r) => r.deadDropped)),
    deadError: rs.map((r) => r.deadError).find(Boolean),
    healthyDropped: median(rs.map((r) => r.healthyDropped)),
  }));
  console.log('');
  const n = (v: number | undefined) => (v === undefined ? '-' : Math.round(v).toLocaleString('en-US'));
  const rows = [
    ['case', 'append lines/s', 'healthy got', 'healthy lines/s', 'healthy dropped', 'dead dropped'],
    ...results.map((r) => [r.name, n(r.appendRate), r.delivered === undefined ? '-' : `${n(r.delivered)}/${n(lines)}`, n(r.deliveryRate), n(r.healthyDropped), n(r.deadDropped)]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  for (const row of rows) console.log(row.map((c, i) => c.padEnd(widths[i]!)).join('  '));
  const [, onlyHealthy, withDead] = results;
  if (onlyHealthy && withDead) {
    const ratio = withDead.appendRate / onlyHealthy.appendRate;
    console.log(
      `\nwith a dead drain / without: append ${ratio.toFixed(2)}, healthy drain delivery ${((withDead.deliveryRate ?? 0) / (onlyHealthy.deliveryRate ?? 1)).toFixed(2)} ` +
        `(a dead drain slows nothing when these stay near 1 or above)`,
    );
  }
  process.exit(0);
}

const role = process.argv[process.argv.indexOf('--role') + 1];
if (process.argv.includes('--role') && role === 'collectors') void collectors();
else if (process.argv.includes('--role') && role === 'forwarder') void forwarder();
else await main();
