/**
 * Installation-wide settings that only Gantry admins change (`gantry settings:set key=value`).
 * Each key has one definition here, used by the CLI (checks before any request) and the API
 * (checks again before storing); values are stored as JSON in PlatformSetting.
 *
 *   egress.allow   private ranges user-supplied destinations (drains, buildpack URLs) may reach,
 *                  e.g. a log collector inside the network: "10.0.0.0/8,fd00:1::/64"
 */
import { formatCidr, parseCidr } from './egress/ip';
import { InvalidInput } from './errors';

export interface SettingDefinition<T> {
  key: string;
  help: string;
  /** Text as typed (the part after "=") -> the value stored; throws InvalidInput. */
  parse(text: string): T;
  /** A stored value -> text, as `gantry settings` shows it. */
  format(value: T): string;
  /** The value when the key was never set, or a stored value no longer valid. */
  fallback: T;
}

export const MAX_EGRESS_ALLOW = 64;

export const EGRESS_ALLOW: SettingDefinition<string[]> = {
  key: 'egress.allow',
  help: 'Private address ranges (CIDRs, comma-separated) that drains and buildpack URLs may reach, e.g. 10.0.0.0/8 for a collector inside the network. Empty: public addresses only. Cloud metadata addresses are never allowed; a Gantry host only when named alone (10.0.0.2/32).',
  parse(text) {
    const items = text
      .split(/[,\s]+/)
      .map((s) => s.trim())
      .filter(Boolean);
    if (items.length > MAX_EGRESS_ALLOW) throw new InvalidInput(`egress.allow takes at most ${MAX_EGRESS_ALLOW} ranges (got ${items.length}).`);
    const out: string[] = [];
    for (const item of items) {
      const c = parseCidr(item);
      if (!c) throw new InvalidInput(`egress.allow: ${JSON.stringify(item)} is not an IP range. Use CIDR notation like 10.0.0.0/8, 192.168.5.0/24 or fd00:1::/64 (one address: 10.0.0.5/32).`);
      if (c.prefix < (c.ip.family === 4 ? 8 : 7)) throw new InvalidInput(`egress.allow: ${item} is too broad (at most /8 for IPv4 and /7 for IPv6). Name the ranges your collectors are in.`);
      const canonical = formatCidr(c);
      if (!out.includes(canonical)) out.push(canonical);
    }
    return out;
  },
  format: (value) => value.join(','),
  fallback: [],
};

export const SETTINGS: readonly SettingDefinition<unknown>[] = [EGRESS_ALLOW as SettingDefinition<unknown>];

export function settingDefinition(key: string): SettingDefinition<unknown> {
  const def = SETTINGS.find((d) => d.key === key);
  if (!def) throw new InvalidInput(`Unknown setting ${JSON.stringify(key)}. Settings: ${SETTINGS.map((d) => d.key).join(', ')}.`);
  return def;
}

/** "key=value" as typed on the command line. */
export function parseSettingAssignment(text: string): { key: string; value: unknown } {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new InvalidInput(`Use KEY=VALUE, e.g. egress.allow=10.0.0.0/8 (got ${JSON.stringify(text)}).`);
  const def = settingDefinition(text.slice(0, eq).trim());
  return { key: def.key, value: def.parse(text.slice(eq + 1)) };
}
