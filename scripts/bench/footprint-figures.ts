/**
 * bench:footprint's figures from its samples: per service the idle resident memory (median of
 * the samples) and the peak during a build and deploy, Gantry's total against issue 17's budgets,
 * and the table that prints them. Pure. Sizes in KiB as /proc gives them; printed in MB (2^20 bytes).
 */
import type { GroupKind, GroupSample } from './footprint-groups';

/** Issue 17: "Lean enough for a 1 GB machine". */
export const BUDGET = { idleMb: 400, deployMb: 600, agentMb: 60, upSeconds: 10 } as const;

export interface Sample {
  at: number;
  groups: GroupSample[];
}

export interface GroupFigure {
  group: string;
  kind: GroupKind;
  rssKb: number;
  pssKb: number;
  processes: number;
  /** Helpers (esbuild, git...) by name with their resident set, KiB. */
  helpers: Record<string, number>;
}

export interface MemoryFigures {
  samples: number;
  groups: GroupFigure[];
  /** Gantry's total (every group but app builds): median (idle) or peak (deploy) of the per-sample sums. */
  totalRssKb: number;
  totalPssKb: number;
}

/** Gantry's own processes: everything but an app's build containers. */
export const countsInTotal = (kind: GroupKind) => kind !== 'build';

/** One sample's groups by name, groups of one name (two build containers) summed. */
export function byGroup(sample: Sample): Map<string, GroupFigure> {
  const out = new Map<string, GroupFigure>();
  for (const g of sample.groups) {
    const f = out.get(g.group) ?? { group: g.group, kind: g.kind, rssKb: 0, pssKb: 0, processes: 0, helpers: {} };
    f.rssKb += g.rssKb;
    f.pssKb += g.pssKb;
    f.processes += g.processes;
    for (const h of g.helpers) f.helpers[h.name] = (f.helpers[h.name] ?? 0) + h.rssKb;
    out.set(g.group, f);
  }
  return out;
}

function totals(sample: Sample): { rssKb: number; pssKb: number } {
  const counted = sample.groups.filter((g) => countsInTotal(g.kind));
  return { rssKb: counted.reduce((s, g) => s + g.rssKb, 0), pssKb: counted.reduce((s, g) => s + g.pssKb, 0) };
}

/** The lower middle of the sorted values (an observed value, never an average of two). */
export function medianOf(xs: number[]): number {
  if (xs.length === 0) throw new Error('median of no values');
  return [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
}

const ORDER: GroupKind[] = ['supervisor', 'service', 'container', 'build'];

function reduceSamples(samples: Sample[], pick: (xs: number[]) => number): MemoryFigures {
  if (samples.length === 0) throw new Error('no samples');
  const per = samples.map(byGroup);
  const names = [...new Set(per.flatMap((m) => [...m.keys()]))];
  const groups = names.map((name) => {
    const seen = per.map((m) => m.get(name)).filter((f): f is GroupFigure => f !== undefined);
    const helperNames = [...new Set(seen.flatMap((f) => Object.keys(f.helpers)))];
    return {
      group: name,
      kind: seen[0]!.kind,
      rssKb: pick(seen.map((f) => f.rssKb)),
      pssKb: pick(seen.map((f) => f.pssKb)),
      processes: pick(seen.map((f) => f.processes)),
      helpers: Object.fromEntries(helperNames.map((h) => [h, pick(seen.map((f) => f.helpers[h] ?? 0))])),
    };
  });
  groups.sort((a, b) => ORDER.indexOf(a.kind) - ORDER.indexOf(b.kind) || a.group.localeCompare(b.group));
  const sums = samples.map(totals);
  return { samples: samples.length, groups, totalRssKb: pick(sums.map((t) => t.rssKb)), totalPssKb: pick(sums.map((t) => t.pssKb)) };
}

/** Idle: per group and for the total, the median of the samples. */
export const idleFigures = (samples: Sample[]) => reduceSamples(samples, medianOf);

/** During a deploy: per group its own peak; the total is the peak of the per-sample sums (groups need not peak together). */
export const peakFigures = (samples: Sample[]) => reduceSamples(samples, (xs) => Math.max(...xs));

export const mb = (kb: number) => kb / 1024;
const mb0 = (kb: number) => `${Math.round(mb(kb))}`;

/** "612 MB of 400 MB (153 %), over budget" */
export function againstBudget(value: number, budget: number, unit: 'MB' | 's'): string {
  const shown = unit === 'MB' ? `${Math.round(value)} MB` : `${value.toFixed(1)} s`;
  const pct = Math.round((value / budget) * 100);
  return `${shown} of ${budget} ${unit} (${pct} %), ${value <= budget ? 'within budget' : 'over budget'}`;
}

/** Left-aligned first column, right-aligned others, two spaces between columns. */
export function formatTable(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

const helperList = (helpers: Record<string, number>) =>
  Object.entries(helpers)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, kb]) => `${name} ${mb0(kb)}`)
    .join(', ');

/** Idle helpers with their RSS, then those seen only during the deploy ("deploy: node 46"). */
export function helperText(idle: Record<string, number> = {}, peak: Record<string, number> = {}): string {
  const onlyDeploying = Object.fromEntries(Object.entries(peak).filter(([name]) => !(name in idle)));
  const parts = [helperList(idle), Object.keys(onlyDeploying).length ? `deploy: ${helperList(onlyDeploying)}` : ''].filter(Boolean);
  return parts.join('; ') || '-';
}

/**
 * The memory table: one row per group (idle median and deploy peak side by side, with the helper
 * processes in it), Gantry's total and, apart, the app's build containers. `readyMs` adds each
 * service's spawn-to-ready time.
 */
export function memoryTable(idle: MemoryFigures, peak: MemoryFigures, readyMs: Record<string, number | null> = {}): string[] {
  const names = [...idle.groups, ...peak.groups.filter((g) => !idle.groups.some((i) => i.group === g.group))];
  const find = (f: MemoryFigures, name: string) => f.groups.find((g) => g.group === name);
  const cell = (g: GroupFigure | undefined, field: 'rssKb' | 'pssKb') => (g ? mb0(g[field]) : '-');
  const ready = (name: string) => (name in readyMs ? (readyMs[name] === null ? 'never' : `${(readyMs[name]! / 1000).toFixed(1)} s`) : '');
  const row = (g: GroupFigure) => {
    const label = g.kind === 'container' ? `${g.group} (container)` : g.kind === 'build' ? `${g.group} (app build, not counted)` : g.group;
    const i = find(idle, g.group);
    return [label, String(i?.processes ?? '-'), cell(i, 'rssKb'), cell(i, 'pssKb'), cell(find(peak, g.group), 'rssKb'), helperText(i?.helpers, find(peak, g.group)?.helpers), ready(g.group)];
  };
  const counted = names.filter((g) => countsInTotal(g.kind));
  const apart = names.filter((g) => !countsInTotal(g.kind));
  return formatTable(
    ['process group', 'procs', 'idle RSS', 'idle PSS', 'deploy peak RSS', 'helpers (RSS)', 'spawn to ready'],
    [...counted.map(row), ['total (Gantry)', '', mb0(idle.totalRssKb), mb0(idle.totalPssKb), mb0(peak.totalRssKb), '', ''], ...apart.map(row)],
  );
}

/** The agent's group(s) ("agent", "agent#2"...): the largest, idle and at the deploy's peak, KiB. */
export function agentFootprint(idle: MemoryFigures, peak: MemoryFigures): { idleKb: number; peakKb: number } | null {
  const agents = (f: MemoryFigures) => f.groups.filter((g) => g.kind === 'service' && /^agent(#\d+)?$/.test(g.group)).map((g) => g.rssKb);
  const i = agents(idle);
  const p = agents(peak);
  return i.length ? { idleKb: Math.max(...i), peakKb: Math.max(...p, ...i) } : null;
}
