/**
 * Pure validation of command-line input, done before any network call. Every problem is a
 * CliError (exit code 1) with a message that says what to type instead.
 */
import { appNameProblem } from '@gantry/core';

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
