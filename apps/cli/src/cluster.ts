/**
 * Pure presentation of the cluster views: instances (ps), the formation (ps:type, ps:scale) and
 * hosts. No I/O here, so all of it is unit-tested; the commands print what these return.
 */
import type { FormationEntryView, HostView, InstanceStateName, InstanceView, SidecarView } from '@gantry/api-client';
import { formatConstraint } from './args';
import { ago, firstLine, humanBytes, type Column, type Style } from './output';

export const STATE_STYLE: Record<InstanceStateName, Style | undefined> = {
  up: 'green',
  starting: 'yellow',
  pending: 'yellow',
  stopping: 'yellow',
  stopped: undefined,
  crashed: 'red',
  unhealthy: 'red',
  lost: 'red',
};

/** States whose message says what is wrong (and is worth a column). */
const EXPLAINED: ReadonlySet<InstanceStateName> = new Set(['crashed', 'unhealthy', 'pending']);

/** Colour of a state cell: by its first word ("crashed (exit 1)" -> red). */
export function stateStyle(cell: string): Style | undefined {
  const word = cell.split(/[ ,]/)[0]!;
  return STATE_STYLE[word as InstanceStateName] ?? SIDECAR_STYLE[word as SidecarView['state']];
}

const SIDECAR_STYLE: Record<SidecarView['state'], Style> = { running: 'green', restarting: 'yellow' };

export function stateText(i: Pick<InstanceView, 'state' | 'exitCode'>): string {
  return i.state === 'crashed' && i.exitCode !== null ? `crashed (exit ${i.exitCode})` : i.state;
}

export function hasMessage(i: Pick<InstanceView, 'state' | 'message'>): boolean {
  return EXPLAINED.has(i.state) && Boolean(firstLine(i.message));
}

/** Instances by type, then number (web.2 before web.10); the server's order within a slot. */
export function sortInstances<T extends Pick<InstanceView, 'process'>>(instances: readonly T[]): T[] {
  return [...instances].sort((a, b) => a.process.localeCompare(b.process, 'en', { numeric: true }));
}

export function instanceColumns(withMessage: boolean): Column[] {
  const cols: Column[] = [
    { header: 'Process' },
    { header: 'State', style: stateStyle },
    { header: 'Release' },
    { header: 'Host' },
    { header: 'Address' },
    { header: 'Private' },
    { header: 'Since' },
  ];
  if (withMessage) cols.push({ header: 'Message', shrink: true });
  return cols;
}

export function instanceRow(i: InstanceView, now = Date.now()): string[] {
  return [
    i.process,
    stateText(i),
    i.release === null ? '' : `v${i.release}`,
    i.host ?? '',
    i.address ? `${i.address}:${i.port ?? '-'}` : i.port !== null ? `:${i.port}` : '',
    i.privateIp ?? '',
    ago(i.since, now),
    hasMessage(i) ? firstLine(i.message) : '',
  ];
}

/** "running, 2 restarts", "restarting (exit 137), 1 restart". */
export function sidecarStateText(s: Pick<SidecarView, 'state' | 'exitCode' | 'restarts'>): string {
  const state = s.state === 'restarting' && s.exitCode !== null ? `restarting (exit ${s.exitCode})` : s.state;
  return s.restarts ? `${state}, ${s.restarts} restart${s.restarts === 1 ? '' : 's'}` : state;
}

/** The rows of an instance's sidecars (web.1/metrics), in the instance columns, to go under its row. */
export function sidecarRows(i: Pick<InstanceView, 'sidecars'>, now = Date.now()): string[][] {
  return (i.sidecars ?? []).map((s) => [s.process, sidecarStateText(s), '', '', '', ago(s.since, now), s.state === 'restarting' ? firstLine(s.message) : '']);
}

/**
 * `ps -v`: the full message of every instance that has one (a crash's last output lines, why a
 * slot is pending), one indented block per instance.
 */
export function messageBlocks(instances: readonly InstanceView[]): string[] {
  const out: string[] = [];
  for (const i of instances) {
    if (!i.message?.trim()) continue;
    const facts = [stateText(i), i.restarts ? `${i.restarts} restart${i.restarts === 1 ? '' : 's'}` : ''].filter(Boolean).join(', ');
    out.push('', `${i.process} (${facts}):`, ...i.message.trimEnd().split('\n').map((l) => `  ${l}`));
  }
  return out;
}

/** "web at 3:standard-1x, worker at 1:standard-1x" for the given types (in that order). */
export function scaleSummary(formation: readonly FormationEntryView[], types: readonly string[]): string {
  return types
    .map((t) => formation.find((f) => f.type === t))
    .filter((f): f is FormationEntryView => Boolean(f))
    .map((f) => `${f.type} at ${f.quantity}:${f.size}`)
    .join(', ');
}

/** "web=1:standard-1x worker=0:basic" (ps:scale without arguments). */
export function formationLine(formation: readonly FormationEntryView[]): string {
  return formation.map((f) => `${f.type}=${f.quantity}:${f.size}`).join(' ');
}

export function constraintsText(f: Pick<FormationEntryView, 'constraints'>): string {
  return f.constraints.map(formatConstraint).join(', ');
}

export const FORMATION_COLUMNS: Column[] = [{ header: 'Type' }, { header: 'Quantity' }, { header: 'Size' }, { header: 'Constraints', shrink: true }, { header: 'Command', shrink: true }];

export function formationRow(f: FormationEntryView): string[] {
  return [f.type, String(f.quantity), f.size, constraintsText(f) || '-', f.command ?? ''];
}

export interface ScaleProgress {
  /** Every instance of the scaled types is up, as many as asked. */
  done: boolean;
  /** "web 2/3 up, worker 0/1 up". */
  text: string;
  /** Instances of the scaled types that are not up (for the timeout message). */
  notUp: InstanceView[];
}

/**
 * Whether a scale is over: for every scaled type, exactly `quantity` instances, all up (so a
 * scale-down also waits for the removed instances to stop, and a scale-up for the new ones).
 */
export function scaleProgress(instances: readonly InstanceView[], targets: Readonly<Record<string, number>>): ScaleProgress {
  const parts: string[] = [];
  const notUp: InstanceView[] = [];
  let done = true;
  for (const [type, quantity] of Object.entries(targets)) {
    const mine = instances.filter((i) => i.type === type && i.state !== 'stopped');
    const up = mine.filter((i) => i.state === 'up').length;
    notUp.push(...mine.filter((i) => i.state !== 'up'));
    if (up !== quantity || mine.length !== quantity) done = false;
    parts.push(`${type} ${up}/${quantity} up`);
  }
  return { done, text: parts.join(', '), notUp };
}

/** "up", "down", "up, draining". */
export function hostStatus(h: Pick<HostView, 'status' | 'draining'>): string {
  return h.draining ? `${h.status}, draining` : h.status;
}

export function hostStatusStyle(cell: string): Style | undefined {
  if (cell.startsWith('down')) return 'red';
  if (cell.includes('draining')) return 'yellow';
  return 'green';
}

export function labelsText(labels: Readonly<Record<string, string>>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/** "12% cpu, 1.2 GB" (what the host's agent last measured); "" when it reported nothing. */
export function usageText(u: HostView['usage']): string {
  if (!u) return '';
  return `${Math.round(u.cpuPercent)}% cpu, ${humanBytes(u.memoryBytes)}`;
}

export const HOST_COLUMNS: Column[] = [
  { header: 'Name' },
  { header: 'Status', style: hostStatusStyle },
  { header: 'Address', shrink: true },
  { header: 'CPUs' },
  { header: 'Memory' },
  { header: 'Allocated' },
  { header: 'Instances' },
  { header: 'Usage' },
  { header: 'Labels', shrink: true },
];

export function hostRow(h: HostView): string[] {
  return [h.name, hostStatus(h), h.address, String(h.cpus), humanBytes(h.memoryBytes), humanBytes(h.allocated.memoryBytes), String(h.allocated.instances), usageText(h.usage), labelsText(h.labels)];
}

/** hosts:info's instances carry the agent's raw status ("healthy") and what is wanted ("stop"). */
export function hostInstanceState(status: string, desired: string): string {
  if (desired === 'stop' && status !== 'stopped') return 'stopping';
  return status === 'healthy' ? 'up' : status;
}
