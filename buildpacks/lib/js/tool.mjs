#!/usr/bin/env node
// Helpers the buildpack shell scripts call once a Node.js binary is available: reading
// package.json and resolving versions. Output is "key=value" lines (values on one line) that
// the scripts read without eval; errors go to stderr as one user-facing sentence.
//
//   tool.mjs package-info PACKAGE_JSON
//   tool.mjs resolve-node INDEX_FILE npm|dist RANGE
//   tool.mjs resolve-npm INDEX_FILE RANGE NODE_VERSION MAX_MAJOR   (RANGE "" = pick a default)
//
// Exit codes: 0 ok, 2 invalid range, 3 unreadable or invalid input, 4 no matching version,
// 64 usage. Runs on any Node.js >= 18.
import { createHash } from 'node:crypto';
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compareVersions, isValidRange, maxSatisfying, parseVersion, satisfies } from './semver.mjs';

export class ToolError extends Error {
  constructor(message, code) {
    super(message);
    this.code = code;
  }
}

const SCRIPTS = ['start', 'build', 'heroku-prebuild', 'heroku-postbuild', 'heroku-cleanup'];
const ROOT_INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall', 'prepare'];
const DEPENDENCY_FIELDS = [
  'dependencies',
  'devDependencies',
  'optionalDependencies',
  'peerDependencies',
  'bundleDependencies',
  'bundledDependencies',
  'overrides',
  'workspaces',
];

/** What the buildpack needs from package.json (text), as an ordered record of strings. */
export function packageInfo(text, name = 'package.json') {
  let pkg;
  try {
    pkg = JSON.parse(text);
  } catch (err) {
    throw new ToolError(`${name} is not valid JSON: ${err.message}`, 3);
  }
  if (!isObject(pkg)) throw new ToolError(`${name} must contain a JSON object, not ${describe(pkg)}`, 3);
  const engines = optionalObject(pkg, 'engines', name);
  const scripts = optionalObject(pkg, 'scripts', name);
  const info = {
    name: typeof pkg.name === 'string' ? oneLine(pkg.name) : '',
    engines_node: optionalString(engines, 'node', `engines.node in ${name}`),
    engines_npm: optionalString(engines, 'npm', `engines.npm in ${name}`),
  };
  for (const script of SCRIPTS) {
    info[`script_${script.replaceAll('-', '_')}`] = typeof scripts[script] === 'string' && scripts[script].trim() ? '1' : '0';
  }
  info.root_install_scripts = ROOT_INSTALL_SCRIPTS.filter((s) => typeof scripts[s] === 'string').join(',');
  info.workspaces = pkg.workspaces ? '1' : '0';
  info.dev_dependencies = String(isObject(pkg.devDependencies) ? Object.keys(pkg.devDependencies).length : 0);
  const deps = DEPENDENCY_FIELDS.map((field) => [field, pkg[field] ?? null]);
  info.deps_digest = createHash('sha256').update(JSON.stringify(deps)).digest('hex');
  return info;
}

/** Release versions listed by a Node.js source index: an npm packument or a dist index.json. */
export function indexVersions(text, format) {
  let doc;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new ToolError(`The release list is not valid JSON (${err.message})`, 3);
  }
  if (format === 'npm' && isObject(doc) && isObject(doc.versions)) return Object.keys(doc.versions);
  if (format === 'dist' && Array.isArray(doc)) {
    return doc.filter((e) => isObject(e) && typeof e.version === 'string').map((e) => e.version.replace(/^v/, ''));
  }
  throw new ToolError(`The release list has an unexpected shape (expected ${format === 'npm' ? 'an npm package document' : 'a Node.js dist index.json'})`, 3);
}

/** The newest version satisfying range; ToolError 2 for an invalid range, 4 when none matches. */
export function resolveVersion(versions, range, what = 'Node.js') {
  if (!isValidRange(range)) throw new ToolError(`${JSON.stringify(range)} is not a valid semver range`, 2);
  const version = maxSatisfying(versions, range);
  if (!version) throw new ToolError(`No ${what} version matches ${JSON.stringify(range)}`, 4);
  return version;
}

/** The newest release of each of the COUNT newest majors, newest first (prereleases ignored). */
export function newestPerMajor(versions, count) {
  const newest = new Map();
  for (const text of versions) {
    const v = parseVersion(text);
    if (!v || v.pre.length) continue;
    const current = newest.get(v.major);
    if (!current || compareVersions(v, current) > 0) newest.set(v.major, v);
  }
  return [...newest.values()]
    .sort((a, b) => b.major - a.major)
    .slice(0, count)
    .map((v) => `${v.major}.${v.minor}.${v.patch}`);
}

/**
 * Picks npm for a Node.js version from npm's packument (parsed): the newest of range when one is
 * given; otherwise the newest non-deprecated release with major <= maxMajor whose engines.node
 * accepts nodeVersion. Reports whether the chosen npm declares support for that Node.js.
 */
export function resolveNpm(doc, range, nodeVersion, maxMajor) {
  if (!isObject(doc) || !isObject(doc.versions)) throw new ToolError('The npm release list has an unexpected shape', 3);
  const manifests = doc.versions;
  const supports = (v) => {
    const engines = isObject(manifests[v]) && isObject(manifests[v].engines) ? manifests[v].engines.node : undefined;
    if (typeof engines !== 'string') return { known: false, ok: true, engines: '' };
    try {
      return { known: true, ok: satisfies(nodeVersion, engines), engines: oneLine(engines) };
    } catch {
      return { known: false, ok: true, engines: oneLine(engines) };
    }
  };
  let version;
  if (range) {
    version = resolveVersion(Object.keys(manifests), range, 'npm');
  } else {
    const candidates = Object.keys(manifests)
      .map((v) => [v, parseVersion(v)])
      .filter(([v, p]) => p && p.pre.length === 0 && p.major <= maxMajor && !manifests[v]?.deprecated)
      .sort(([, a], [, b]) => compareVersions(b, a))
      .map(([v]) => v);
    version = candidates.find((v) => supports(v).known && supports(v).ok);
    if (!version) throw new ToolError(`No npm release up to ${maxMajor}.x supports Node.js ${nodeVersion}`, 4);
  }
  const support = supports(version);
  return { version, node_supported: support.ok ? '1' : '0', node_engines: support.engines };
}

function main(argv) {
  const [command, ...args] = argv;
  switch (command) {
    case 'package-info':
      return print(packageInfo(read(args[0], 'package.json'), 'package.json'));
    case 'resolve-node': {
      const [file, format, range = ''] = args;
      const versions = indexVersions(read(file, 'the Node.js release list'), format);
      try {
        return print({ version: resolveVersion(versions, range) });
      } catch (err) {
        if (err instanceof ToolError && err.code === 4) {
          err.message += `\nNewest releases: ${newestPerMajor(versions, 5).join(', ')}`;
        }
        throw err;
      }
    }
    case 'resolve-npm': {
      const [file, range = '', nodeVersion = '', maxMajor = '11'] = args;
      const doc = parseJson(read(file, 'the npm release list'), 'The npm release list');
      return print(resolveNpm(doc, range.trim(), nodeVersion, Number(maxMajor)));
    }
    default:
      throw new ToolError('usage: tool.mjs package-info FILE | resolve-node FILE npm|dist RANGE | resolve-npm FILE RANGE NODE MAX_MAJOR', 64);
  }
}

function print(record) {
  process.stdout.write(Object.entries(record).map(([k, v]) => `${k}=${oneLine(String(v))}\n`).join(''));
}

function read(file, what) {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new ToolError(`Cannot read ${what} (${err.code ?? err.message})`, 3);
  }
}

function parseJson(text, what) {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ToolError(`${what} is not valid JSON (${err.message})`, 3);
  }
}

function optionalObject(pkg, key, name) {
  if (pkg[key] === undefined || pkg[key] === null) return {};
  if (!isObject(pkg[key])) throw new ToolError(`"${key}" in ${name} must be an object, not ${describe(pkg[key])}`, 3);
  return pkg[key];
}

function optionalString(obj, key, what) {
  const value = obj[key];
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw new ToolError(`${what} must be a string such as "22.x", not ${describe(value)}`, 3);
  return oneLine(value).trim();
}

function isObject(v) {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v) {
  if (Array.isArray(v)) return 'an array';
  if (v === null) return 'null';
  return typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)}`;
}

function oneLine(s) {
  return s.replace(/[\r\n]+/g, ' ');
}

/** True when this file is the script node was started with (symlinks resolved). */
function isMain(argv1) {
  try {
    return realpathSync(argv1) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (process.argv[1] && isMain(process.argv[1])) {
  try {
    main(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof ToolError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exitCode = err.code;
  }
}
