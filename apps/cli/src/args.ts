/**
 * Pure validation of command-line input, done before any network call. Every problem is a
 * CliError (exit code 1) with a message that says what to type instead.
 */
import { RELEASE_NOT_SCALABLE, SIZES, appNameProblem, isScalableType } from '@gantry/core';
import { humanBytes } from './output';

/** An error meant for the user: printed as ` ▸    message`, exits with `exitCode`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** No login (or a rejected token): exit code 3. */
export class NotLoggedIn extends CliError {
  constructor(message: string) {
    super(message, 3);
    this.name = 'NotLoggedIn';
  }
}

export function checkAppName(name: string): string {
  const problem = appNameProblem(name);
  if (problem) throw new CliError(`Invalid app name ${JSON.stringify(name)}: it ${problem}.`);
  return name;
}

/**
 * The app a git remote URL points to: its last path segment without ".git". Works for
 * http(s)://host/app.git, ssh://git@host/app.git and scp-like git@host:app.git. Undefined when
 * that segment is not a valid app name.
 */
export function appFromGitUrl(url: string): string | undefined {
  let path = url.trim();
  const scheme = /^[a-z][a-z0-9+.-]*:\/\/[^/]*(.*)$/i.exec(path);
  if (scheme) path = scheme[1]!;
  else {
    const scp = /^[^/:]+:(.*)$/.exec(path); // git@host:app.git
    if (scp) path = scp[1]!;
  }
  path = path.replace(/[?#].*$/, '').replace(/\/+$/, '');
  const last = path.slice(path.lastIndexOf('/') + 1).replace(/\.git$/, '');
  let name: string;
  try {
    name = decodeURIComponent(last);
  } catch {
    return undefined;
  }
  return name && !appNameProblem(name) ? name : undefined;
}

/** "v3" or "3" -> 3. */
export function parseVersion(input: string): number {
  const m = /^v?(\d{1,9})$/i.exec(input.trim());
  const n = m ? Number(m[1]) : NaN;
  if (!Number.isInteger(n) || n < 1) throw new CliError(`Invalid release version ${JSON.stringify(input)}: use a number like v3 or 3.`);
  return n;
}

/** "#3" or "3" -> 3. */
export function parseBuildNumber(input: string): number {
  const m = /^#?(\d{1,9})$/.exec(input.trim());
  const n = m ? Number(m[1]) : NaN;
  if (!Number.isInteger(n) || n < 1) throw new CliError(`Invalid build number ${JSON.stringify(input)}: use a number like 3.`);
  return n;
}

/** A whole number within [min, max], for options such as --num. */
export function parseCount(input: string, what: string, min: number, max: number): number {
  const n = Number(input);
  if (!/^\d+$/.test(input.trim()) || !Number.isInteger(n) || n < min || n > max) {
    throw new CliError(`Invalid ${what} ${JSON.stringify(input)}: use a whole number from ${min} to ${max}.`);
  }
  return n;
}

/** Config var names as config:get and config:unset take them (values are checked by the API). */
export function checkConfigKey(key: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key) || key.length > 200) {
    throw new CliError(`Invalid config var name ${JSON.stringify(key)}: use letters, digits and "_", not starting with a digit.`);
  }
  return key;
}

/**
 * Suggestion for an unknown command: an exact match of the part after the topic ("destroy" ->
 * apps:destroy), else the closest name by edit distance (at most 3 edits, Heroku-like).
 */
export function suggestCommand(word: string, names: readonly string[]): string | undefined {
  const w = word.toLowerCase().replace(/ +/g, ':');
  const bySuffix = names.filter((n) => n.includes(':') && n.slice(n.indexOf(':') + 1) === w);
  if (bySuffix.length === 1) return bySuffix[0];
  let best: string | undefined;
  let bestDistance = 4;
  for (const name of names) {
    const d = editDistance(w, name);
    const similarity = (Math.max(w.length, name.length) - d) / Math.max(w.length, name.length);
    if (similarity > 0.4 && d < bestDistance) {
      best = name;
      bestDistance = d;
    }
  }
  return best;
}

/** Damerau-Levenshtein (optimal string alignment) distance. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * Lets "gantry config set A=1" mean "gantry config:set A=1": when the first two words join into a
 * known topic:command name, they are joined. Topic commands take no arguments, so this is safe.
 */
export function joinTopic(argv: readonly string[], names: ReadonlySet<string>): string[] {
  const [first, second, ...rest] = argv;
  if (first && second && !first.includes(':') && names.has(`${first}:${second}`)) return [`${first}:${second}`, ...rest];
  return [...argv];
}

// ------------------------------------------------------------------------------------------
// Processes and hosts (ps:scale, ps:type, ps:constraints, deploy:batch, hosts:*)

/** The most instances of one process type (the API's limit too). */
export const MAX_QUANTITY = 100;
const PROCESS_TYPE = /^[a-zA-Z0-9_-]{1,30}$/;
const LABEL = /^[a-zA-Z0-9._/-]{1,63}$/;
const HOST_NAME = /^[a-z0-9][a-z0-9-]{0,39}$/;

/** A process type as a Procfile names it (web, worker, clock...). */
export function checkProcessType(type: string): string {
  if (!PROCESS_TYPE.test(type)) throw new CliError(`Invalid process type ${JSON.stringify(type)}: use the name from the Procfile, e.g. web or worker.`);
  return type;
}

/** An instance name: TYPE.N, e.g. web.2. */
export function checkProcessName(name: string): string {
  const m = /^([^.]+)\.(\d{1,4})$/.exec(name);
  if (!m || !PROCESS_TYPE.test(m[1]!) || Number(m[2]) < 1) throw new CliError(`Invalid instance ${JSON.stringify(name)}: name one like web.2 (see \`gantry ps\`).`);
  return name;
}

type SizeInfo = { name: string; memoryBytes: number };

/** A known size name, case-insensitively ("Standard-2X" -> "standard-2x"); an unknown one lists the valid ones. */
export function parseSizeName(input: string, sizes: readonly SizeInfo[] = SIZES): string {
  const found = sizes.find((s) => s.name === input.trim().toLowerCase());
  if (found) return found.name;
  const list = sizes.map((s) => `${s.name} (${humanBytes(s.memoryBytes)})`).join(', ');
  throw new CliError(`Unknown size ${JSON.stringify(input)}. Sizes: ${list}.`);
}

export type FormationChanges = Record<string, { quantity?: number; size?: string }>;

function addChange(changes: FormationChanges, type: string, change: { quantity?: number; size?: string }): void {
  if (!isScalableType(type)) throw new CliError(RELEASE_NOT_SCALABLE);
  if (type in changes) throw new CliError(`${type} is given twice.`);
  changes[type] = change;
}

/**
 * ps:scale arguments, Heroku syntax: "web=3", "worker=0", and "web=2:standard-2x" (quantity and
 * size at once, size case-insensitive). Quantities are whole numbers from 0 to 100.
 */
export function parseScaleArgs(args: readonly string[], sizes: readonly SizeInfo[] = SIZES): FormationChanges {
  const changes: FormationChanges = {};
  for (const arg of args) {
    const m = /^([^=]*)=([^:]*)(?::(.*))?$/.exec(arg.trim());
    if (!m) throw new CliError(`Expected TYPE=N (e.g. web=2 or web=2:standard-2x), got ${JSON.stringify(arg)}.`);
    const type = checkProcessType(m[1]!);
    const quantity = /^\d{1,3}$/.test(m[2]!) ? Number(m[2]) : NaN;
    if (!(quantity >= 0 && quantity <= MAX_QUANTITY)) {
      throw new CliError(`Invalid quantity in ${JSON.stringify(arg)}: use a whole number from 0 to ${MAX_QUANTITY}, e.g. ${type}=2.`);
    }
    addChange(changes, type, m[3] === undefined ? { quantity } : { quantity, size: parseSizeName(m[3], sizes) });
  }
  return changes;
}

/** ps:type arguments: "web=standard-2x" (size case-insensitive). */
export function parseTypeArgs(args: readonly string[], sizes: readonly SizeInfo[] = SIZES): FormationChanges {
  const changes: FormationChanges = {};
  for (const arg of args) {
    const m = /^([^=]*)=(.*)$/.exec(arg.trim());
    if (!m) throw new CliError(`Expected TYPE=SIZE (e.g. web=standard-2x), got ${JSON.stringify(arg)}.`);
    addChange(changes, checkProcessType(m[1]!), { size: parseSizeName(m[2]!, sizes) });
  }
  return changes;
}

export interface Constraint {
  label: string;
  op: '=' | '!=';
  value: string;
}

/** "region=eu" or "disk!=hdd" (an empty value is allowed: "gpu!=" means the label is set). */
export function parseConstraint(arg: string): Constraint {
  const m = /^([^!=\s]+)(!=|=)([^\s]*)$/.exec(arg.trim());
  if (!m || !LABEL.test(m[1]!) || (m[3] && !LABEL.test(m[3]))) {
    throw new CliError(`Invalid constraint ${JSON.stringify(arg)}: use label=value or label!=value (letters, digits, ".", "_", "/", "-").`);
  }
  return { label: m[1]!, op: m[2] as Constraint['op'], value: m[3]! };
}

export function formatConstraint(c: Constraint): string {
  return `${c.label}${c.op}${c.value}`;
}

/** deploy:batch: "all" -> null (every instance at once), else a whole number from 1 to 100. */
export function parseBatch(input: string): number | null {
  if (input.trim().toLowerCase() === 'all') return null;
  const n = /^\d{1,3}$/.test(input.trim()) ? Number(input.trim()) : NaN;
  if (!(n >= 1 && n <= MAX_QUANTITY)) throw new CliError(`Invalid batch ${JSON.stringify(input)}: use a whole number from 1 to ${MAX_QUANTITY}, or "all".`);
  return n;
}

export function checkHostName(name: string): string {
  if (!HOST_NAME.test(name)) throw new CliError(`Invalid host name ${JSON.stringify(name)}: lowercase letters, digits and dashes, at most 40.`);
  return name;
}

/** --label k=v ... -> { k: v }; "gantry." labels are the platform's. */
export function parseLabels(args: readonly string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const arg of args) {
    const m = /^([^=]*)=(.*)$/.exec(arg.trim());
    if (!m || !LABEL.test(m[1]!) || !LABEL.test(m[2]!)) throw new CliError(`Invalid label ${JSON.stringify(arg)}: use key=value (letters, digits, ".", "_", "/", "-").`);
    if (m[1]!.startsWith('gantry.')) throw new CliError(`Labels starting with "gantry." are reserved (${m[1]}).`);
    if (m[1]! in labels) throw new CliError(`Label ${m[1]} is given twice.`);
    labels[m[1]!] = m[2]!;
  }
  return labels;
}

/** --docker: tcp://IP:PORT or unix:///path.sock. */
export function checkDockerUrl(input: string): string {
  let url: URL | undefined;
  try {
    url = new URL(input);
  } catch {
    /* below */
  }
  const ok = url && ((url.protocol === 'tcp:' && url.hostname) || (url.protocol === 'unix:' && url.pathname && url.pathname !== '/'));
  if (!ok) throw new CliError(`Invalid Docker URL ${JSON.stringify(input)}: use tcp://IP:2376 or unix:///var/run/docker.sock.`);
  return input;
}

/** --address: the IP or hostname routers reach the host's instances at. */
export function checkAddress(input: string): string {
  if (!/^[a-zA-Z0-9.:-]{1,253}$/.test(input)) throw new CliError(`Invalid address ${JSON.stringify(input)}: an IP or hostname routers can reach.`);
  return input;
}

/** --cpu: a number of CPUs above 0 (fractions allowed), at most 1024. */
export function parseCpus(input: string): number {
  const n = /^\d+(\.\d+)?$/.test(input.trim()) ? Number(input) : NaN;
  if (!(n > 0 && n <= 1024)) throw new CliError(`Invalid --cpu ${JSON.stringify(input)}: a number of CPUs above 0, e.g. 4 or 0.5.`);
  return n;
}
