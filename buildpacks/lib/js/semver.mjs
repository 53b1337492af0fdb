// Semantic versions and npm-style ranges, enough to resolve engines.node / engines.npm the way
// npm does (node-semver semantics, non-loose), without any dependency: this file runs on the
// Node.js the buildpack downloads, before any package can be installed.
//
// Supported: exact versions ("22.1.0", "v22.1.0", "=22.1.0"), partials and x-ranges ("22",
// "22.x", "22.1.*", "*", ""), comparators (">=18", "<21", ">= 18.2", "<=20.1"), intersections
// (">=18 <21"), unions ("20 || 22"), tilde ("~18.2.0", "~>18.2"), caret ("^20.1", "^0.2.3")
// and hyphen ranges ("18 - 20.3"). A prerelease version only satisfies a range when one of its
// comparators names a prerelease of the same major.minor.patch (as in npm), so ranges without
// prereleases never select one.

const NUM = '0|[1-9]\\d*';
const PART = `${NUM}|[xX*]`;
const IDENT = '[0-9A-Za-z-]+';
const PARTIAL = new RegExp(
  `^v?(${PART})(?:\\.(${PART})(?:\\.(${PART})(?:-(${IDENT}(?:\\.${IDENT})*))?(?:\\+${IDENT}(?:\\.${IDENT})*)?)?)?$`,
);
const COMPARATOR = /^(<=|>=|<|>|=|~>|~|\^)?(.*)$/;

/**
 * @typedef {{ major: number, minor: number, patch: number, pre: (string|number)[] }} Version
 * @typedef {{ op: '<' | '<=' | '>' | '>=' | '=', version: Version }} Comparator
 */

/** Parses a full version ("1.2.3", "v1.2.3-rc.1+build"); returns null when it is not one. */
export function parseVersion(text) {
  const p = parsePartial(String(text).trim());
  if (!p || p.minor === null || p.patch === null || p.major === null) return null;
  return { major: p.major, minor: p.minor, patch: p.patch, pre: p.pre };
}

/** Compares two versions (as strings or parsed): negative, 0 or positive, as semver orders them. */
export function compareVersions(a, b) {
  const va = typeof a === 'string' ? parseVersion(a) : a;
  const vb = typeof b === 'string' ? parseVersion(b) : b;
  if (!va || !vb) throw new TypeError(`Invalid version: ${JSON.stringify(!va ? a : b)}`);
  return va.major - vb.major || va.minor - vb.minor || va.patch - vb.patch || comparePre(va.pre, vb.pre);
}

/** True when the string is a valid range (see the header for the syntax). */
export function isValidRange(range) {
  try {
    parseRange(range);
    return true;
  } catch {
    return false;
  }
}

/** True when version satisfies range. Throws a RangeError when the range is invalid. */
export function satisfies(version, range) {
  const v = typeof version === 'string' ? parseVersion(version) : version;
  if (!v) return false;
  return parseRange(range).some((set) => setSatisfied(set, v));
}

/**
 * The highest of versions (strings; invalid ones are ignored) that satisfies range, or null.
 * Throws a RangeError when the range is invalid.
 */
export function maxSatisfying(versions, range) {
  const sets = parseRange(range);
  let best = null;
  let bestParsed = null;
  for (const text of versions) {
    const v = parseVersion(text);
    if (!v || !sets.some((set) => setSatisfied(set, v))) continue;
    if (!bestParsed || compareVersions(v, bestParsed) > 0) {
      best = text;
      bestParsed = v;
    }
  }
  return best;
}

/**
 * Parses a range into its alternatives (split on "||"), each a list of comparators that must
 * all hold. An empty list matches every release.
 * @returns {Comparator[][]}
 */
export function parseRange(range) {
  if (typeof range !== 'string') throw new RangeError(`Invalid range: ${JSON.stringify(range)}`);
  return range.split('||').map((alternative) => parseAlternative(alternative.trim(), range));
}

function parseAlternative(text, whole) {
  const invalid = () => new RangeError(`Invalid range: ${JSON.stringify(whole)}`);
  const hyphen = /^(\S+)\s+-\s+(\S+)$/.exec(text);
  if (hyphen) {
    const from = parsePartial(hyphen[1]);
    const to = parsePartial(hyphen[2]);
    if (!from || !to) throw invalid();
    return [...lowerBound('>=', from), ...upperBound('<=', to)];
  }
  // "> = 1" is invalid but ">= 1.2" is allowed: glue an operator to the version that follows it.
  const tokens = text.replace(/(<=|>=|<|>|=|~>|~|\^)\s+/g, '$1').split(/\s+/).filter(Boolean);
  const comparators = [];
  for (const token of tokens) {
    const m = COMPARATOR.exec(token);
    const partial = m && parsePartial(m[2]);
    if (!m || !partial) throw invalid();
    comparators.push(...desugar(m[1] ?? '', partial));
  }
  return comparators;
}

/** Parses "1", "1.x", "1.2.*", "v1.2.3-pre+build"; wildcards and missing parts become null. */
function parsePartial(text) {
  const m = PARTIAL.exec(text);
  if (!m) return null;
  const num = (s) => (s === undefined || /^[xX*]$/.test(s) ? null : Number(s));
  const major = num(m[1]);
  const minor = major === null ? null : num(m[2]);
  const patch = minor === null ? null : num(m[3]);
  const pre = patch === null || !m[4] ? [] : m[4].split('.').map((id) => (/^\d+$/.test(id) ? Number(id) : id));
  if ([major, minor, patch].some((n) => n !== null && !Number.isSafeInteger(n))) return null;
  return { major, minor, patch, pre };
}

/** Turns one operator + partial version into plain comparators (<, <=, >, >=, =). */
function desugar(op, p) {
  switch (op) {
    case '':
    case '=':
      if (p.patch !== null) return [cmp('=', p.major, p.minor, p.patch, p.pre)];
      return [...lowerBound('>=', p), ...upperBound('<=', p)];
    case '>':
    case '>=':
      return lowerBound(op, p);
    case '<':
    case '<=':
      return upperBound(op, p);
    case '~':
    case '~>':
      return tilde(p);
    case '^':
      return caret(p);
    default:
      throw new RangeError(`Unknown operator ${op}`);
  }
}

function lowerBound(op, p) {
  if (p.major === null) return op === '>' ? [NOTHING] : [];
  if (p.patch !== null) return [cmp(op, p.major, p.minor, p.patch, p.pre)];
  if (op === '>') return p.minor === null ? [cmp('>=', p.major + 1, 0, 0)] : [cmp('>=', p.major, p.minor + 1, 0)];
  return [cmp('>=', p.major, p.minor ?? 0, 0)];
}

function upperBound(op, p) {
  if (p.major === null) return op === '<' ? [NOTHING] : [];
  if (p.patch !== null) return [cmp(op, p.major, p.minor, p.patch, p.pre)];
  if (op === '<') return [cmp('<', p.major, p.minor ?? 0, 0, [0])];
  return p.minor === null ? [cmp('<', p.major + 1, 0, 0, [0])] : [cmp('<', p.major, p.minor + 1, 0, [0])];
}

function tilde(p) {
  if (p.major === null) return [];
  const lower = cmp('>=', p.major, p.minor ?? 0, p.patch ?? 0, p.pre);
  const upper = p.minor === null ? cmp('<', p.major + 1, 0, 0, [0]) : cmp('<', p.major, p.minor + 1, 0, [0]);
  return [lower, upper];
}

function caret(p) {
  if (p.major === null) return [];
  const lower = cmp('>=', p.major, p.minor ?? 0, p.patch ?? 0, p.pre);
  let upper;
  if (p.major > 0 || p.minor === null) upper = cmp('<', p.major + 1, 0, 0, [0]);
  else if (p.minor > 0 || p.patch === null) upper = cmp('<', 0, p.minor + 1, 0, [0]);
  else upper = cmp('<', 0, 0, p.patch + 1, [0]);
  return [lower, upper];
}

/** @returns {Comparator} */
function cmp(op, major, minor, patch, pre = []) {
  return { op, version: { major, minor, patch, pre } };
}

/** Matches no version at all (">*", "<*"). */
const NOTHING = cmp('<', 0, 0, 0, [0]);

function setSatisfied(set, v) {
  for (const c of set) if (!test(c, v)) return false;
  if (v.pre.length === 0) return true;
  // A prerelease is only allowed in by a comparator on a prerelease of the same version.
  // The synthetic "-0" upper bounds ("<2.0.0-0") are not real prereleases.
  return set.some(
    (c) =>
      c.version.pre.length > 0 &&
      !(c.op === '<' && c.version.pre.length === 1 && c.version.pre[0] === 0) &&
      c.version.major === v.major &&
      c.version.minor === v.minor &&
      c.version.patch === v.patch,
  );
}

function test(c, v) {
  const d = compareVersions(v, c.version);
  switch (c.op) {
    case '<':
      return d < 0;
    case '<=':
      return d <= 0;
    case '>':
      return d > 0;
    case '>=':
      return d >= 0;
    default:
      return d === 0;
  }
}

function comparePre(a, b) {
  if (a.length === 0 || b.length === 0) return b.length - a.length; // a release sorts after its prereleases
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] === undefined) return -1;
    if (b[i] === undefined) return 1;
    if (a[i] === b[i]) continue;
    const an = typeof a[i] === 'number';
    const bn = typeof b[i] === 'number';
    if (an && bn) return a[i] - b[i];
    if (an !== bn) return an ? -1 : 1; // numeric identifiers sort before alphanumeric ones
    return a[i] < b[i] ? -1 : 1;
  }
  return 0;
}
