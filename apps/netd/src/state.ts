/**
 * The whole of what netd knows, pushed by the agent of its host (`PUT /state`), declared once:
 * the agent imports the type, netd validates every push with parseState.
 * (netd has no runtime dependencies, so the check is written by hand instead of with zod.)
 */
import { isIPv4 } from './ipv4';

export interface NetdRecord {
  ip: string;
  /** Host id the instance runs on: its records leave the answers while that host is down. */
  host: string;
}

export interface NetdState {
  version: number;
  /** A querier's address on this host's apps bridge -> its team id. */
  clients: Record<string, string>;
  /** Team id -> lowercase name without trailing dot ("web.shop.internal", "shop.internal", "web.1.shop.internal") -> records. */
  zones: Record<string, Record<string, NetdRecord[]>>;
  /** Host id -> "address:port" of that host's netd control server (peers to probe; may include this host). */
  peers: Record<string, string>;
}

export const EMPTY_STATE: NetdState = { version: 0, clients: {}, zones: {}, peers: {} };

export class InvalidState extends Error {
  override name = 'InvalidState';
}

const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;
const ADDRESS = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/;

/** A lowercase DNS name under .internal, no trailing dot, at most 253 characters. */
export function isInternalName(name: string): boolean {
  if (name.length > 253 || !name.endsWith('.internal')) return false;
  return name.split('.').every((l) => LABEL.test(l));
}

function fail(path: string, why: string): never {
  throw new InvalidState(`${path}: ${why}`);
}

function record(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(path, 'must be an object');
  return value as Record<string, unknown>;
}

function nonEmpty(value: unknown, path: string): string {
  if (typeof value !== 'string' || !value.trim() || value.length > 200) fail(path, 'must be a non-empty string of at most 200 characters');
  return value;
}

/** Checks an untrusted body (parsed JSON) against NetdState; throws InvalidState naming the first bad field. */
export function parseState(body: unknown): NetdState {
  const o = record(body, 'state');
  const version = o.version;
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 0) fail('version', 'must be a non-negative integer');

  const clients: Record<string, string> = {};
  for (const [ip, team] of Object.entries(record(o.clients, 'clients'))) {
    if (!isIPv4(ip)) fail(`clients[${JSON.stringify(ip)}]`, 'key must be an IPv4 address');
    clients[ip] = nonEmpty(team, `clients[${JSON.stringify(ip)}]`);
  }

  const zones: NetdState['zones'] = {};
  for (const [team, names] of Object.entries(record(o.zones, 'zones'))) {
    nonEmpty(team, `zones key ${JSON.stringify(team)}`);
    const zone: Record<string, NetdRecord[]> = {};
    for (const [name, records] of Object.entries(record(names, `zones[${JSON.stringify(team)}]`))) {
      const path = `zones[${JSON.stringify(team)}][${JSON.stringify(name)}]`;
      if (!isInternalName(name)) fail(path, 'name must be lowercase, without a trailing dot, and end in .internal');
      if (!Array.isArray(records)) fail(path, 'must be an array of { ip, host }');
      zone[name] = records.map((r, i) => {
        const rec = record(r, `${path}[${i}]`);
        if (typeof rec.ip !== 'string' || !isIPv4(rec.ip)) fail(`${path}[${i}].ip`, 'must be an IPv4 address');
        return { ip: rec.ip, host: nonEmpty(rec.host, `${path}[${i}].host`) };
      });
    }
    zones[team] = zone;
  }

  const peers: Record<string, string> = {};
  for (const [host, address] of Object.entries(record(o.peers, 'peers'))) {
    nonEmpty(host, `peers key ${JSON.stringify(host)}`);
    const m = typeof address === 'string' ? ADDRESS.exec(address) : null;
    const port = m ? Number(m[3]) : 0;
    if (!m || port < 1 || port > 65535) fail(`peers[${JSON.stringify(host)}]`, 'must be "address:port"');
    peers[host] = address as string;
  }
  return { version, clients, zones, peers };
}
