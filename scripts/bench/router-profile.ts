/**
 * Summary of a V8 CPU profile (`node --cpu-prof`): where the time went, by function (self time)
 * and by area (router code, Node's http, net and streams, GC, idle...).
 *
 *   node --import tsx scripts/bench/router-profile.ts <file.cpuprofile> [top]
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface Row {
  name: string;
  ms: number;
  pct: number;
}

function shortUrl(url: string): string {
  if (url === '') return '';
  const i = url.indexOf('/node_modules/');
  if (i !== -1) return url.slice(i + '/node_modules/'.length);
  const r = url.indexOf('/apps/');
  if (r !== -1) return url.slice(r + 1);
  return url.replace(/^node:/, '');
}

/** The area a frame belongs to, for the coarse breakdown. */
function area(f: CallFrame): string {
  const name = f.functionName;
  const url = f.url;
  if (name === '(garbage collector)') return 'GC';
  if (name === '(idle)') return 'idle';
  if (name === '(program)') return 'native/program (syscalls, libuv, parser)';
  if (url.includes('/apps/router/')) return 'router code';
  if (url.includes('http-proxy')) return 'http-proxy-3';
  if (url.includes('/node_modules/')) return 'other npm';
  if (/node:(_http|http)/.test(url)) return 'node http';
  if (/node:(net|internal\/stream_base|internal\/net|dns)/.test(url)) return 'node net';
  if (/node:(internal\/streams|stream)/.test(url)) return 'node streams';
  if (/node:(events|internal\/event)/.test(url)) return 'node events';
  if (/node:internal\/timers|timers/.test(url)) return 'node timers';
  if (url === '') return `native (${name || 'anonymous'})`;
  return 'node other';
}

export function summarize(profile: Profile, top = 25): { total: number; byFunction: Row[]; byArea: Row[] } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  // Self time per node from the samples (exact), else hitCount x mean interval.
  const self = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  if (samples.length > 0 && deltas.length === samples.length) {
    for (let i = 0; i < samples.length; i++) {
      const dt = deltas[i + 1] ?? 0; // delta before the next sample is this sample's duration
      self.set(samples[i]!, (self.get(samples[i]!) ?? 0) + dt);
    }
  } else {
    const hits = profile.nodes.reduce((s, n) => s + (n.hitCount ?? 0), 0);
    const interval = hits > 0 ? (profile.endTime - profile.startTime) / hits : 0;
    for (const n of profile.nodes) self.set(n.id, (n.hitCount ?? 0) * interval);
  }
  let total = 0;
  let idle = 0;
  const fn = new Map<string, number>();
  const areas = new Map<string, number>();
  for (const [id, us] of self) {
    const node = byId.get(id);
    if (!node || us === 0) continue;
    const f = node.callFrame;
    total += us;
    if (f.functionName === '(idle)') idle += us;
    const key = `${f.functionName || '(anonymous)'} ${shortUrl(f.url)}${f.url ? `:${f.lineNumber + 1}` : ''}`.trim();
    fn.set(key, (fn.get(key) ?? 0) + us);
    const a = area(f);
    areas.set(a, (areas.get(a) ?? 0) + us);
  }
  const busy = total - idle;
  const rows = (m: Map<string, number>, denominator: number) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .map(([name, us]) => ({ name, ms: us / 1000, pct: denominator > 0 ? (100 * us) / denominator : 0 }));
  fn.delete('(idle)');
  areas.delete('idle');
  return { total: busy / 1000, byFunction: rows(fn, busy).slice(0, top), byArea: rows(areas, busy) };
}

export function printSummary(file: string, top = 25): void {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const s = summarize(profile, top);
  const line = (r: Row) => `  ${r.pct.toFixed(1).padStart(5)}%  ${r.ms.toFixed(0).padStart(7)} ms  ${r.name}`;
  console.log(`\nCPU profile ${file}: ${(s.total / 1000).toFixed(2)} s busy (idle excluded); shares of busy time`);
  console.log(' by area:');
  for (const r of s.byArea) console.log(line(r));
  console.log(` top ${top} functions (self time):`);
  for (const r of s.byFunction) console.log(line(r));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: router-profile.ts <file.cpuprofile> [top]');
    process.exit(2);
  }
  printSummary(file, Number(process.argv[3] ?? 25));
}
