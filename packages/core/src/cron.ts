/**
 * Cron expressions, in UTC: 5 fields (minute hour day-of-month month day-of-week), or 6 with
 * seconds first; `@yearly @annually @monthly @weekly @daily @midnight @hourly`; `@every 30s`
 * (also m, h; counted from the Unix epoch, so it is the same on every scheduler). Lists, ranges,
 * steps (`1-30/5`, `5/15`, a star then `/10`), names (JAN-DEC, SUN-SAT; 7 is Sunday too).
 *
 * As in Vixie cron, when both day-of-month and day-of-week are restricted, a day matching either
 * one matches. A bad expression is an InvalidInput naming the field and the part that is wrong:
 *   hour field "25": 25 is out of range 0-23
 *
 *   text ──parseCron──▶ CronSchedule ──nextAfter / dueTimes──▶ Date(s)
 */
import { InvalidInput } from './errors';

type FieldName = 'second' | 'minute' | 'hour' | 'day-of-month' | 'month' | 'day-of-week';

interface FieldSpec {
  name: FieldName;
  min: number;
  max: number;
  names?: readonly string[];
}

const FIELDS: Record<FieldName, FieldSpec> = {
  second: { name: 'second', min: 0, max: 59 },
  minute: { name: 'minute', min: 0, max: 59 },
  hour: { name: 'hour', min: 0, max: 23 },
  'day-of-month': { name: 'day-of-month', min: 1, max: 31 },
  month: { name: 'month', min: 1, max: 12, names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] },
  // 0-7: 7 is Sunday as well (folded onto 0 after parsing).
  'day-of-week': { name: 'day-of-week', min: 0, max: 7, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] },
};

const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

const SHAPE = '5 fields "minute hour day-of-month month day-of-week" (or 6 with seconds first), or @hourly, @daily, @weekly, @monthly, @yearly, @every 30s';

/** A parsed schedule: the allowed values of each field, or a fixed interval. */
export type CronSchedule =
  | {
      kind: 'fields';
      text: string;
      seconds: readonly boolean[];
      minutes: readonly boolean[];
      hours: readonly boolean[];
      days: readonly boolean[];
      months: readonly boolean[];
      weekdays: readonly boolean[];
      /** Day-of-month / day-of-week written as "*" (not restricted). */
      anyDay: boolean;
      anyWeekday: boolean;
    }
  | { kind: 'every'; text: string; intervalMs: number };

/** The shortest and longest `@every` interval. */
export const MIN_EVERY_MS = 1000;
export const MAX_EVERY_MS = 366 * 24 * 3600 * 1000;

function fail(text: string, problem: string): never {
  throw new InvalidInput(`Bad schedule ${JSON.stringify(text)}: ${problem}.`, { schedule: text });
}

function value(spec: FieldSpec, raw: string, part: string, text: string): number {
  const named = spec.names?.indexOf(raw.toUpperCase()) ?? -1;
  if (named >= 0) return spec.name === 'month' ? named + 1 : named;
  if (!/^\d+$/.test(raw)) {
    const hint = spec.names ? ` (numbers ${spec.min}-${spec.max} or names ${spec.names[0]}-${spec.names.at(-1)})` : ` (numbers ${spec.min}-${spec.max})`;
    fail(text, `${spec.name} field ${JSON.stringify(part)}: ${JSON.stringify(raw)} is not a value${hint}`);
  }
  const n = Number(raw);
  if (n < spec.min || n > spec.max) fail(text, `${spec.name} field ${JSON.stringify(part)}: ${n} is out of range ${spec.min}-${spec.max}`);
  return n;
}

/** One field ("1-5,10,30-59/15") into a table of allowed values indexed by value. */
function parseField(spec: FieldSpec, field: string, text: string): boolean[] {
  const allowed = new Array<boolean>(spec.max + 1).fill(false);
  for (const part of field.split(',')) {
    if (part === '') fail(text, `${spec.name} field ${JSON.stringify(field)}: an empty item in the list`);
    const [range, stepText, extra] = part.split('/');
    if (extra !== undefined) fail(text, `${spec.name} field ${JSON.stringify(part)}: more than one "/"`);
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number(stepText) < 1) fail(text, `${spec.name} field ${JSON.stringify(part)}: the step ${JSON.stringify(stepText)} is not a whole number above 0`);
      step = Number(stepText);
    }
    let lo: number;
    let hi: number;
    if (range === '*' || range === '?') {
      [lo, hi] = [spec.min, spec.name === 'day-of-week' ? 6 : spec.max];
    } else if (range!.includes('-')) {
      const [a, b, more] = range!.split('-');
      if (more !== undefined || !a || !b) fail(text, `${spec.name} field ${JSON.stringify(part)}: a range is "low-high"`);
      lo = value(spec, a, part, text);
      hi = value(spec, b, part, text);
      if (lo > hi) fail(text, `${spec.name} field ${JSON.stringify(part)}: the range goes backwards (${lo} > ${hi})`);
    } else {
      lo = value(spec, range!, part, text);
      // "5/15" means from 5 to the end, every 15.
      hi = stepText !== undefined ? (spec.name === 'day-of-week' ? 6 : spec.max) : lo;
    }
    for (let v = lo; v <= hi; v += step) allowed[v] = true;
  }
  if (spec.name === 'day-of-week' && allowed[7]) allowed[0] = true;
  return allowed;
}

function parseEvery(text: string, arg: string | undefined): CronSchedule {
  const m = /^(\d+)(s|m|h)$/.exec(arg ?? '');
  if (!m) fail(text, '@every takes one interval such as 30s, 5m or 2h');
  const ms = Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 's' | 'm' | 'h'];
  if (ms < MIN_EVERY_MS || ms > MAX_EVERY_MS) fail(text, `@every ${arg}: the interval must be 1s to 366 days`);
  return { kind: 'every', text, intervalMs: ms };
}

/** Parses a schedule; throws InvalidInput naming the field and the part that is wrong. */
export function parseCron(input: string): CronSchedule {
  if (typeof input !== 'string') throw new InvalidInput('A schedule is a string such as "*/10 * * * *".');
  const text = input.trim().replace(/\s+/g, ' ');
  if (text === '') fail(input, `it is empty: give ${SHAPE}`);
  if (text.length > 200) fail(text.slice(0, 40) + '...', 'it is longer than 200 characters');
  const words = text.split(' ');
  if (words[0]!.startsWith('@')) {
    const macro = words[0]!.toLowerCase();
    if (macro === '@every') {
      if (words.length !== 2) fail(text, '@every takes one interval such as 30s, 5m or 2h');
      return parseEvery(text, words[1]);
    }
    if (!(macro in MACROS)) fail(text, `unknown ${words[0]}: use ${Object.keys(MACROS).join(', ')} or @every`);
    if (words.length > 1) fail(text, `${words[0]} takes nothing after it`);
    return fieldsSchedule(text, `0 ${MACROS[macro]}`.split(' '));
  }
  if (words.length !== 5 && words.length !== 6) fail(text, `it has ${words.length} field${words.length === 1 ? '' : 's'}; a schedule has ${SHAPE}`);
  return fieldsSchedule(text, words.length === 5 ? ['0', ...words] : words);
}

function fieldsSchedule(text: string, [s, mi, h, dom, mon, dow]: string[]): CronSchedule {
  const schedule: CronSchedule = {
    kind: 'fields',
    text,
    seconds: parseField(FIELDS.second, s!, text),
    minutes: parseField(FIELDS.minute, mi!, text),
    hours: parseField(FIELDS.hour, h!, text),
    days: parseField(FIELDS['day-of-month'], dom!, text),
    months: parseField(FIELDS.month, mon!, text),
    weekdays: parseField(FIELDS['day-of-week'], dow!, text),
    anyDay: dom === '*' || dom === '?',
    anyWeekday: dow === '*' || dow === '?',
  };
  // "0 0 30 2 *" (February 30th) is valid field by field but never comes.
  if (nextAfter(schedule, new Date(Date.UTC(2000, 0, 1))) === null) fail(text, 'no date ever matches it (a day that the month never has?)');
  return schedule;
}

function dayMatches(s: Extract<CronSchedule, { kind: 'fields' }>, d: Date): boolean {
  const dom = s.days[d.getUTCDate()]!;
  const dow = s.weekdays[d.getUTCDay()]!;
  if (s.anyDay && s.anyWeekday) return true;
  if (s.anyDay) return dow;
  if (s.anyWeekday) return dom;
  return dom || dow;
}

/** Search limit: Feb 29 on a Monday comes within 28 years. */
const SEARCH_YEARS = 30;

/** The first time strictly after `after` that the schedule names, or null when none ever comes. */
export function nextAfter(schedule: CronSchedule | string, after: Date): Date | null {
  const s = typeof schedule === 'string' ? parseCron(schedule) : schedule;
  if (s.kind === 'every') return new Date((Math.floor(after.getTime() / s.intervalMs) + 1) * s.intervalMs);
  const t = new Date(Math.floor(after.getTime() / 1000) * 1000 + 1000);
  const limit = after.getUTCFullYear() + SEARCH_YEARS;
  // Walk from the largest field down: a field that does not match moves to the start of its next value.
  while (t.getUTCFullYear() <= limit) {
    if (!s.months[t.getUTCMonth() + 1]) {
      t.setUTCMonth(t.getUTCMonth() + 1, 1);
      t.setUTCHours(0, 0, 0, 0);
      continue;
    }
    if (!dayMatches(s, t)) {
      t.setUTCDate(t.getUTCDate() + 1);
      t.setUTCHours(0, 0, 0, 0);
      continue;
    }
    if (!s.hours[t.getUTCHours()]) {
      t.setUTCHours(t.getUTCHours() + 1, 0, 0, 0);
      continue;
    }
    if (!s.minutes[t.getUTCMinutes()]) {
      t.setUTCMinutes(t.getUTCMinutes() + 1, 0, 0);
      continue;
    }
    if (!s.seconds[t.getUTCSeconds()]) {
      t.setUTCSeconds(t.getUTCSeconds() + 1, 0);
      continue;
    }
    return t;
  }
  return null;
}

/** The times the schedule names in (after, until], oldest first: the first `max` of them. */
export function dueTimes(schedule: CronSchedule | string, after: Date, until: Date, max: number): Date[] {
  const s = typeof schedule === 'string' ? parseCron(schedule) : schedule;
  const out: Date[] = [];
  let t: Date | null = after;
  while (out.length < max && (t = nextAfter(s, t)) !== null && t.getTime() <= until.getTime()) out.push(t);
  return out;
}

/** The longest command line a job may have. */
export const MAX_CRON_COMMAND_BYTES = 4096;

/**
 * A job as a user gives it (cron:add, app.json `cron`): a valid schedule and a one-line command,
 * run like a Procfile command. Returns the schedule normalised (spaces collapsed) and the command
 * trimmed; throws InvalidInput saying what is wrong. `where` names the origin in messages.
 */
export function checkCronJob(input: { schedule: string; command: string }, where = ''): { schedule: string; command: string } {
  const prefix = where ? `${where}: ` : '';
  let schedule: CronSchedule;
  try {
    schedule = parseCron(input.schedule);
  } catch (err) {
    throw new InvalidInput(prefix + (err as Error).message, { schedule: input.schedule });
  }
  const command = typeof input.command === 'string' ? input.command.trim() : '';
  if (command === '') throw new InvalidInput(`${prefix}The job has no command: give one after --, e.g. gantry cron:add "*/10 * * * *" -- node jobs/cleanup.js`);
  if (/[\0\r\n]/.test(command)) throw new InvalidInput(`${prefix}The command must be one line (no newline or NUL character).`);
  if (Buffer.byteLength(command) > MAX_CRON_COMMAND_BYTES) throw new InvalidInput(`${prefix}The command is longer than ${MAX_CRON_COMMAND_BYTES} bytes.`);
  return { schedule: schedule.text, command };
}
