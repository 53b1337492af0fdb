/**
 * Which buildpacks build an app, as an ordered list of entries, each a built-in name ("nodejs",
 * "heroku/nodejs", "heroku-buildpack-nodejs") or an http(s) git URL (optionally "#ref").
 *
 *   App.buildpacks (gantry buildpacks:add/set) ─┐ first non-empty wins
 *   .buildpacks file (Dokku: one per line)      ├──────────────────────▶ { source, entries }
 *   app.json "buildpacks"                       │   (none: detection over the built-in order)
 *   BUILDPACK_URL config var                   ─┘
 *
 * Pure: the builder fetches what this names, the control module edits the stored list with
 * editBuildpacks (Heroku's add / set / remove / clear, 1-based indexes).
 */
import { InvalidInput } from './errors';

export type BuildpackSource = 'app' | '.buildpacks' | 'app.json' | 'BUILDPACK_URL' | 'detect';

export interface BuildpackList {
  source: BuildpackSource;
  entries: string[];
}

/** An app may list at most this many (Heroku's limit is 6 on its runtime; builds get slow past that). */
export const MAX_BUILDPACKS = 10;

const NAME = /^(?:heroku\/|gantry\/)?[a-z0-9][a-z0-9._-]{0,99}$/;
const REF = /^[A-Za-z0-9._/-]{1,200}$/;

/** Where a list came from, for messages ("the .buildpacks file", "BUILDPACK_URL"). */
export function describeSource(source: BuildpackSource): string {
  return { app: 'the app\'s list (gantry buildpacks)', '.buildpacks': 'the .buildpacks file', 'app.json': 'app.json "buildpacks"', BUILDPACK_URL: 'BUILDPACK_URL', detect: 'detection' }[source];
}

/** The short name of a built-in entry ("heroku/nodejs" -> "nodejs"), or undefined for a URL. */
export function builtinName(entry: string): string | undefined {
  if (/^https?:/i.test(entry)) return undefined;
  return entry.replace(/^(heroku|gantry)\//, '').replace(/^heroku-buildpack-/, '');
}

/**
 * One entry, checked for shape (whether a built-in of that name exists is the builder's
 * question). Returns it trimmed; `where` names the list in the error ("app.json "buildpacks"").
 */
export function checkBuildpackEntry(input: string, where = 'buildpack'): string {
  const entry = input.trim();
  if (!entry) throw new InvalidInput(`${where}: an entry is empty; give a built-in name (nodejs, static, procfile) or an http(s) git URL.`);
  if (NAME.test(entry)) return entry;
  if (/^https?:\/\//i.test(entry)) {
    const [repo, ref, extra] = entry.split('#');
    let url: URL | undefined;
    try {
      url = new URL(repo!);
    } catch {
      url = undefined;
    }
    if (!url || !url.hostname || /\s/.test(entry)) throw new InvalidInput(`${where}: "${entry}" is not a valid URL.`);
    if (extra !== undefined || (ref !== undefined && !REF.test(ref))) throw new InvalidInput(`${where}: "${entry}": "#${entry.split('#').slice(1).join('#')}" is not a branch or tag name.`);
    return entry;
  }
  throw new InvalidInput(`${where}: "${entry}" is neither a built-in buildpack name (nodejs, heroku/nodejs...) nor an http(s) git URL.`);
}

/**
 * A `.buildpacks` file (Dokku's format): one entry per line; blank lines and lines starting
 * with "#" are skipped, and so is a " #..." comment after an entry (a "#" inside a URL is its ref).
 */
export function parseBuildpacksFile(text: string): string[] {
  const out: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/\s+#.*$/, '').trim();
    if (!line || line.startsWith('#')) return;
    out.push(checkBuildpackEntry(line, `.buildpacks line ${i + 1}`));
  });
  if (out.length > MAX_BUILDPACKS) throw new InvalidInput(`.buildpacks lists ${out.length} buildpacks; at most ${MAX_BUILDPACKS} are allowed.`);
  return out;
}

export interface BuildpackInputs {
  /** App.buildpacks. */
  stored: string[];
  /** The text of a .buildpacks file at the root of the source, if any. */
  dotBuildpacks?: string;
  /** parseAppManifest(...).buildpacks. */
  manifest: string[];
  /** The BUILDPACK_URL config var. */
  buildpackUrl?: string;
}

/** The list a build uses: the first non-empty of the stored list, .buildpacks, app.json, BUILDPACK_URL. */
export function resolveBuildpackList(i: BuildpackInputs): BuildpackList {
  if (i.stored.length) return { source: 'app', entries: i.stored.map((e) => checkBuildpackEntry(e, describeSource('app'))) };
  const file = i.dotBuildpacks !== undefined ? parseBuildpacksFile(i.dotBuildpacks) : [];
  if (file.length) return { source: '.buildpacks', entries: file };
  if (i.manifest.length) {
    if (i.manifest.length > MAX_BUILDPACKS) throw new InvalidInput(`app.json lists ${i.manifest.length} buildpacks; at most ${MAX_BUILDPACKS} are allowed.`);
    return { source: 'app.json', entries: i.manifest.map((e, n) => checkBuildpackEntry(e, `app.json "buildpacks[${n}]"`)) };
  }
  const url = i.buildpackUrl?.trim();
  if (url) return { source: 'BUILDPACK_URL', entries: [checkBuildpackEntry(url, 'BUILDPACK_URL')] };
  return { source: 'detect', entries: [] };
}

/** Heroku's buildpacks:add / set / remove / clear on a stored list; indexes are 1-based. */
export type BuildpackEdit =
  | { action: 'add'; url: string; index?: number }
  | { action: 'set'; url: string; index?: number }
  | { action: 'remove'; url?: string; index?: number }
  | { action: 'clear' };

/** The list after `edit`, or an InvalidInput saying why the edit cannot apply. */
export function editBuildpacks(list: readonly string[], edit: BuildpackEdit): string[] {
  const checkIndex = (index: number, max: number) => {
    if (!Number.isInteger(index) || index < 1 || index > max) {
      throw new InvalidInput(max === 0 ? 'The app has no buildpacks set: there is no index to use.' : `Index ${index} is out of range: use 1 to ${max}.`, { index, max });
    }
  };
  switch (edit.action) {
    case 'clear':
      return [];
    case 'add': {
      const url = checkBuildpackEntry(edit.url);
      if (list.includes(url)) throw new InvalidInput(`The buildpack ${url} is already set on the app.`);
      if (list.length >= MAX_BUILDPACKS) throw new InvalidInput(`The app has ${list.length} buildpacks, the most allowed. Remove one first.`);
      const at = edit.index ?? list.length + 1;
      checkIndex(at, list.length + 1);
      return [...list.slice(0, at - 1), url, ...list.slice(at - 1)];
    }
    case 'set': {
      const url = checkBuildpackEntry(edit.url);
      if (edit.index === undefined) return [url];
      // Heroku: setting the entry after the last one appends.
      checkIndex(edit.index, list.length + 1);
      if (list.some((u, i) => u === url && i !== edit.index! - 1)) throw new InvalidInput(`The buildpack ${url} is already set on the app.`);
      const out = [...list];
      out[edit.index - 1] = url;
      return out;
    }
    case 'remove': {
      if ((edit.url === undefined) === (edit.index === undefined)) throw new InvalidInput('Give the buildpack to remove, or its index, not both.');
      if (edit.index !== undefined) {
        checkIndex(edit.index, list.length);
        return list.filter((_, i) => i !== edit.index! - 1);
      }
      const url = edit.url!.trim();
      if (!list.includes(url)) throw new InvalidInput(`The buildpack ${url} is not set on the app.`);
      return list.filter((u) => u !== url);
    }
  }
}
