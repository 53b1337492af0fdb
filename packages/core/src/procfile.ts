import { InvalidInput } from './errors';

export type ProcessTypes = Record<string, string>;

const TYPE_PATTERN = /^[a-zA-Z0-9_-]{1,30}$/;

/**
 * Parses a Procfile ("type: command" per line, # comments and blank lines allowed).
 * Throws InvalidInput naming the line for anything else, so a push shows exactly what is wrong.
 */
export function parseProcfile(text: string): ProcessTypes {
  const types: ProcessTypes = {};
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const m = /^([^:\s]+)\s*:\s*(.*)$/.exec(line);
    const where = `Procfile line ${i + 1}`;
    if (!m) throw new InvalidInput(`${where}: expected "type: command", got ${JSON.stringify(raw)}`);
    const [, type, command] = m as unknown as [string, string, string];
    if (!TYPE_PATTERN.test(type)) {
      throw new InvalidInput(`${where}: process type ${JSON.stringify(type)} may only use letters, digits, "_" and "-" (at most 30)`);
    }
    if (!command.trim()) throw new InvalidInput(`${where}: process type "${type}" has no command`);
    if (type in types) throw new InvalidInput(`${where}: process type "${type}" is defined twice`);
    types[type] = command.trim();
  });
  return types;
}

/**
 * Parses the YAML subset a buildpack's bin/release prints:
 *   default_process_types:
 *     web: npm start
 * Other top-level keys (addons, config_vars) are ignored as Heroku does for classic buildpacks.
 */
export function parseReleaseYaml(text: string): ProcessTypes {
  const types: ProcessTypes = {};
  let inTypes = false;
  for (const raw of text.split(/\r?\n/)) {
    if (!raw.trim() || raw.trim().startsWith('#')) continue;
    if (!/^\s/.test(raw)) {
      inTypes = /^default_process_types\s*:\s*$/.test(raw.trim());
      continue;
    }
    if (!inTypes) continue;
    const m = /^\s+([a-zA-Z0-9_-]+)\s*:\s*(.+)$/.exec(raw);
    if (m) types[m[1]!] = unquote(m[2]!.trim());
  }
  return types;
}

function unquote(v: string): string {
  if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v.endsWith(v[0])) return v.slice(1, -1);
  return v;
}
