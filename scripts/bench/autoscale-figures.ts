/** bench:autoscale's figures as printed rows: the step's recovery, the steady load's scale events, the wake beside docker start. Pure. */
import { quantile } from './latency';

export type Outcome<T> = T | { skipped: string } | { failed: string };

/** A scale event, timed from the start of the load it answered. */
export interface TimedEvent {
  from: number;
  to: number;
  afterMs: number;
  reason: string;
}

export interface StepFigures {
  perInstance: number;
  rateBefore: number;
  rateStep: number;
  targetMs: number;
  /** From the step's start until the rolling p95 was back under the target for good; null: never, within the run. */
  recoveredMs: number | null;
  /** The rolling window and how long it had to hold (ms). */
  windowMs: number;
  holdMs: number;
  events: TimedEvent[];
  maxInstances: number;
  p95BeforeMs: number | null;
  worstP95Ms: number | null;
  sent: number;
  unanswered: number;
}

export interface SteadyFigures {
  rate: number;
  perInstance: number;
  targetMs: number;
  /** How long the count took to settle under the load (ms), and at how many instances. */
  settleMs: number;
  settledAt: number;
  seconds: number;
  /** Scale events during the counted period, timed from its start. */
  events: TimedEvent[];
  p95Ms: number | null;
  sent: number;
  unanswered: number;
}

export interface WakeFigures {
  /** GET / on the sleeping app until its 200 (ms), each sample. */
  wakeMs: number[];
  /** docker start of a stopped copy of its container until it answers 200 (ms), each sample. */
  startMs: number[];
  /** Memory of the awake app's instance (docker stats: usage less the page cache), bytes; asleep it has none. */
  awakeMemoryBytes?: number;
}

const s1 = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
/** Wakes and starts take under a second here: hundredths. */
const s2 = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const ms0 = (ms: number | null) => (ms === null ? '-' : ms === Infinity ? 'no answer' : `${Math.round(ms)} ms`);
const ratio = (a: number, b: number) => (a / b).toFixed(2);
const eventList = (events: TimedEvent[]) => (events.length ? events.map((e) => `${e.from}->${e.to} at +${s1(e.afterMs)}`).join(', ') : 'none');
const notMeasured = (label: string, o: { skipped: string } | { failed: string }): [string, string][] => [['skipped' in o ? label : `${label}: FAILED`, 'skipped' in o ? o.skipped : o.failed]];

export function stepRows(f: Outcome<StepFigures>): [string, string][] {
  const label = '(a) load step';
  if ('skipped' in f || 'failed' in f) return notMeasured(label, f);
  const times = (f.rateStep / f.perInstance).toFixed(1);
  return [
    [
      `(a) load step ${f.rateBefore} -> ${f.rateStep} req/s (${times}x one instance's ~${f.perInstance} req/s): p95 back under ${f.targetMs} ms after`,
      f.recoveredMs === null ? 'NOT within the run' : s1(f.recoveredMs),
    ],
    [`    (rolling p95 over ${s1(f.windowMs)} of requests by send time, holding ${s1(f.holdMs)}, measured by the load generator)`, ''],
    ['    scale events (from the step)', eventList(f.events)],
    ['    instances at most', String(f.maxInstances)],
    ['    p95 before the step / worst window during it', `${ms0(f.p95BeforeMs)} / ${ms0(f.worstP95Ms)}`],
    ['    requests of the step not answered 200 (timeouts, 503)', `${f.unanswered} of ${f.sent}`],
  ];
}

export function steadyRows(f: Outcome<SteadyFigures>): [string, string][] {
  const label = '(b) steady load';
  if ('skipped' in f || 'failed' in f) return notMeasured(label, f);
  return [
    [`(b) steady load ${f.rate} req/s (${(f.rate / f.perInstance).toFixed(1)}x one instance) for ${f.seconds} s: scale events (goal 0)`, String(f.events.length)],
    [`    settled first at ${f.settledAt} instance(s) after`, s1(f.settleMs)],
    ['    the events (from the start of the counted period)', eventList(f.events)],
    ...f.events.map((e): [string, string] => [`      ${e.from}->${e.to}`, e.reason]),
    [`    p95 over the counted period (target ${f.targetMs} ms)`, ms0(f.p95Ms)],
    ['    requests not answered 200', `${f.unanswered} of ${f.sent}`],
  ];
}

export function wakeRows(f: Outcome<WakeFigures>): [string, string][] {
  const label = '(c) wake of a sleeping app';
  if ('skipped' in f || 'failed' in f) return notMeasured(label, f);
  const n = f.wakeMs.length;
  const p = (xs: number[], q: number) => quantile(xs, q)!;
  const pair = (xs: number[]) => `${s2(p(xs, 0.5))} / ${s2(p(xs, 0.99))}`;
  return [
    [`(c) wake: GET / on the sleeping app until its 200, p50 / p99 of ${n}`, pair(f.wakeMs)],
    [`    docker start of a stopped copy of its container until it answers 200, p50 / p99 of ${f.startMs.length}`, pair(f.startMs)],
    ['    ratio wake / docker start, p50 / p99', `${ratio(p(f.wakeMs, 0.5), p(f.startMs, 0.5))} / ${ratio(p(f.wakeMs, 0.99), p(f.startMs, 0.99))}`],
    ['    each wake', f.wakeMs.map(s2).join(', ')],
    ['    each docker start', f.startMs.map(s2).join(', ')],
    ...(f.awakeMemoryBytes === undefined
      ? []
      : ([['    memory: the awake instance / asleep', `${(f.awakeMemoryBytes / 2 ** 20).toFixed(1)} MB / 0 MB (no container)`]] as [string, string][])),
  ];
}

/** What makes the run exit 1: a part that failed, a step that never recovered. */
export function failures(parts: { step: Outcome<StepFigures>; steady: Outcome<SteadyFigures>; wake: Outcome<WakeFigures> }): string[] {
  const out: string[] = [];
  for (const [name, f] of Object.entries(parts)) if ('failed' in f) out.push(`${name}: ${f.failed}`);
  if (!('failed' in parts.step) && !('skipped' in parts.step) && parts.step.recoveredMs === null) out.push('step: the p95 never came back under the target');
  return out;
}
