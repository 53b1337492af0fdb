/**
 * Placement benchmark, pure CPU, no cluster: 10,000 instances (200 apps x 50, mixed sizes, some
 * with constraints) placed one by one onto 1,000 simulated hosts (varied capacities, labelled
 * region=eu/us or unlabelled, a few down or draining) through the real Placer. One warm-up run,
 * then the median of 3 timed runs; each run builds a fresh Placer and places everything.
 *
 *   npx tsx scripts/bench/scheduler-placement.ts
 */
import { pathToFileURL } from 'node:url';
import { Placer, type Constraint, type HostView, type PlacementRequest } from '@gantry/scheduler-core';

const MB = 1024 * 1024;
const GB = 1024 * MB;
const HOSTS = 1000;
const APPS = 200;
const PER_APP = 50;
const RUNS = 3;

const SHAPES = [
  { memoryBytes: 8 * GB, cpuShares: 4 * 1024 },
  { memoryBytes: 16 * GB, cpuShares: 8 * 1024 },
  { memoryBytes: 32 * GB, cpuShares: 16 * 1024 },
  { memoryBytes: 64 * GB, cpuShares: 32 * 1024 },
];
/** Gantry's instance sizes: basic, standard-1x, standard-2x, performance-m. */
const SIZES = [
  { memoryBytes: 256 * MB, cpuShares: 256 },
  { memoryBytes: 512 * MB, cpuShares: 512 },
  { memoryBytes: 1024 * MB, cpuShares: 1024 },
  { memoryBytes: 2560 * MB, cpuShares: 2048 },
];
/** How often each size is used (indexes into SIZES): mostly small, some large. */
const SIZE_MIX = [0, 0, 0, 1, 1, 1, 1, 2, 2, 3];

/** Deterministic PRNG (mulberry32), so every run and every machine sees the same cluster. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 1,000 hosts: four shapes; 40% region=eu, 40% region=us, 20% unlabelled; 2% down, 2% draining. */
export function simulatedHosts(count = HOSTS): HostView[] {
  const rnd = random(42);
  return Array.from({ length: count }, (_, i) => {
    const name = `host-${String(i + 1).padStart(4, '0')}`;
    const r = rnd();
    const labels: Record<string, string> = { 'gantry.host': name };
    if (r < 0.4) labels.region = 'eu';
    else if (r < 0.8) labels.region = 'us';
    const state = rnd();
    return { id: `h${i + 1}`, name, up: state >= 0.02, draining: state >= 0.02 && state < 0.04, labels, capacity: SHAPES[Math.floor(rnd() * SHAPES.length)]! };
  });
}

/** 200 apps x 50 instances (web 30 + worker 20), sizes by app and type (mostly small); every 5th app region=eu, every 7th region!=us. */
export function simulatedRequests(): PlacementRequest[] {
  const requests: PlacementRequest[] = [];
  for (let a = 0; a < APPS; a++) {
    const constraints: Constraint[] = [];
    if (a % 5 === 0) constraints.push({ label: 'region', op: '=', value: 'eu' });
    else if (a % 7 === 0) constraints.push({ label: 'region', op: '!=', value: 'us' });
    for (let i = 0; i < PER_APP; i++) {
      const type = i < 30 ? 'web' : 'worker';
      const index = type === 'web' ? i + 1 : i - 29;
      requests.push({ appId: `app-${a}`, type, index, resources: SIZES[SIZE_MIX[(a * 7 + (type === 'web' ? 0 : 3)) % SIZE_MIX.length]!]!, constraints });
    }
  }
  return requests;
}

/** Places every request on a fresh Placer; returns the chosen host id per request (null if unplaced). */
function placeAll(hosts: HostView[], requests: PlacementRequest[]): (string | null)[] {
  const placer = new Placer(hosts, []);
  return requests.map((req) => placer.place(req).chosen);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function benchPlacement(): Promise<{ placements: number; hosts: number; ms: number; perSecond: number }> {
  const hosts = simulatedHosts();
  const requests = simulatedRequests();
  const warm = placeAll(hosts, requests);
  const unplaced = warm.filter((c) => c === null).length;
  if (unplaced > 0) throw new Error(`benchmark cluster too small: ${unplaced} instances not placed`);
  const times: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const t0 = performance.now();
    placeAll(hosts, requests);
    times.push(performance.now() - t0);
  }
  const ms = median(times);
  return { placements: requests.length, hosts: hosts.length, ms, perSecond: Math.round((requests.length / ms) * 1000) };
}

/**
 * Shows the spread is real: the most instances of one app's process type on one host in the
 * benchmark's placements (1 = every replica on its own host), and a round-robin run of 3 instances
 * per schedulable host of one app, where every schedulable host must end with exactly 3.
 */
export function spreadCheck(): string[] {
  const hosts = simulatedHosts();
  const requests = simulatedRequests();
  const chosen = placeAll(hosts, requests);
  const perKey = new Map<string, number>();
  chosen.forEach((hostId, i) => {
    const key = `${requests[i]!.appId}/${requests[i]!.type}/${hostId}`;
    perKey.set(key, (perKey.get(key) ?? 0) + 1);
  });
  const worst = Math.max(...perKey.values());

  const schedulable = hosts.filter((h) => h.up && !h.draining);
  const placer = new Placer(hosts, []);
  const perHost = new Map<string, number>(schedulable.map((h) => [h.id, 0]));
  for (let i = 1; i <= schedulable.length * 3; i++) {
    const { chosen: id } = placer.place({ appId: 'rr', type: 'web', index: i, resources: SIZES[0]!, constraints: [] });
    if (id !== null) perHost.set(id, (perHost.get(id) ?? 0) + 1);
  }
  const counts = [...perHost.values()];
  return [
    `spread: at most ${worst} instance(s) of one app's process type on one host (${APPS} apps x ${PER_APP} instances)`,
    `round-robin: ${counts.reduce((a, b) => a + b, 0)} instances of one app on ${schedulable.length} schedulable hosts -> min ${Math.min(...counts)}, max ${Math.max(...counts)} per host (max - min = ${Math.max(...counts) - Math.min(...counts)})`,
  ];
}

async function main(): Promise<void> {
  const r = await benchPlacement();
  console.log(`\nScheduler placement benchmark: this machine, warm, median of ${RUNS} runs\n`);
  console.log(`  placements        ${r.placements}`);
  console.log(`  hosts             ${r.hosts}`);
  console.log(`  host evaluations  ${r.placements * r.hosts}`);
  console.log(`  total             ${r.ms.toFixed(1)} ms`);
  console.log(`  placements/s      ${r.perSecond}`);
  for (const line of spreadCheck()) console.log(`  check: ${line}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
