/** bench:network's figures as printed rows: medians side by side, ratios private / host, the DNS lines. Pure. */
import { median, secs } from './common';
import type { DnsFigures } from './network-dns';

/** What the client instance's /bench answers for one load run. */
export interface LoadResult {
  n: number;
  c: number;
  ok: number;
  errors: number;
  p50Ms: number | null;
  p99Ms: number | null;
  rps: number;
  seconds: number;
}

export type Variant = 'private' | 'host';
export const VARIANTS: Variant[] = ['private', 'host'];

/** Per variant: the runs at the bench's concurrency, and the runs one request at a time. */
export type Runs = Record<Variant, { loaded: LoadResult[]; serial: LoadResult[] }>;

const ms = (x: number) => `${x.toFixed(2)} ms`;
const rate = (x: number) => `${Math.round(x).toLocaleString('en')} req/s`;
const ratio = (a: number, b: number) => (a / b).toFixed(2);
const COL = 22;
const side = (a: string, b: string, c: string) => `${a.padEnd(COL)}${b.padEnd(COL)}${c}`;
const p50 = (r: LoadResult) => r.p50Ms!;
const p99 = (r: LoadResult) => r.p99Ms!;
const rps = (r: LoadResult) => r.rps;

export function loadRows(runs: Runs, loaded: { n: number; c: number }, serial: { n: number }): [string, string][] {
  type Kind = 'loaded' | 'serial';
  const m = (v: Variant, k: Kind, f: (r: LoadResult) => number) => median(runs[v][k].map(f));
  const row = (label: string, k: Kind, f: (r: LoadResult) => number, fmt: (x: number) => string): [string, string] => [
    label,
    side(fmt(m('private', k, f)), fmt(m('host', k, f)), ratio(m('private', k, f), m('host', k, f))),
  ];
  const all = (v: Variant, k: Kind, f: (r: LoadResult) => number, fmt: (x: number) => string) => runs[v][k].map((r) => fmt(f(r))).join(', ');
  const each = (v: Variant, k: Kind) => `${all(v, k, p50, ms)} | ${all(v, k, p99, ms)} | ${all(v, k, rps, rate)}`;
  return [
    ['', side('private network', "hosts' network", 'ratio private/host')],
    row(`latency p50, ${loaded.n} requests at concurrency ${loaded.c}`, 'loaded', p50, ms),
    row(`latency p99, ${loaded.n} requests at concurrency ${loaded.c}`, 'loaded', p99, ms),
    row(`throughput, ${loaded.n} requests at concurrency ${loaded.c}`, 'loaded', rps, rate),
    row(`latency p50, ${serial.n} requests one at a time`, 'serial', p50, ms),
    row(`latency p99, ${serial.n} requests one at a time`, 'serial', p99, ms),
    ['each run, private, concurrency (p50 | p99 | req/s)', each('private', 'loaded')],
    ['each run, hosts, concurrency (p50 | p99 | req/s)', each('host', 'loaded')],
    ['each run, private, one at a time (p50 | p99 | req/s)', each('private', 'serial')],
    ['each run, hosts, one at a time (p50 | p99 | req/s)', each('host', 'serial')],
  ];
}

export function dnsRows(d: DnsFigures | { failed: string }): [string, string][] {
  if ('skipped' in d) return [['DNS follows a change', d.skipped]];
  if ('failed' in d) return [['DNS follows a change', `FAILED: ${d.failed}`]];
  return [
    [`${d.name}: new instance up (ps) -> answered`, secs(d.joinFromUpMs)],
    [`  from the scale request 1 -> 2`, secs(d.joinFromScaleMs)],
    [`${d.name}: docker kill -> no longer answered`, secs(d.leaveMs)],
    ['goal: answers follow within 2 s', d.joinFromUpMs <= 2000 && d.leaveMs <= 2000 ? 'met' : 'NOT met'],
    [`probe: /resolve through the router, every 50 ms (${d.probes} probes, median round trip)`, `${d.probeRttMs} ms`],
  ];
}
