/**
 * The private network, as data: each team's overlay network (its name and subnet), the addresses
 * Gantry hands out in it, and the names instances find each other by. Pure.
 *
 *   pool 100.64.0.0/10, /20 per team:  team t1 -> 100.64.16.0/20
 *     100.64.16.0/24      Docker's own (gateway, dynamic attachments)
 *     100.64.17.0 - .31.254   static addresses Gantry gives instances, one-offs and tasks
 *   names (team-scoped): web.shop.internal, shop.internal (= web), web.1.shop.internal
 */

export const INTERNAL_DOMAIN = 'internal';
/** Prefix length of each team's subnet. */
export const TEAM_SUBNET_BITS = 20;

export function teamNetworkName(installation: string, teamId: string): string {
  return `gantry-${installation}-team-${teamId}`;
}

/** The container of a host's DNS responder for private names (apps/netd). */
export function netdContainerName(installation: string): string {
  return `gantry-${installation}-netd`;
}

/** The per-host bridge every app container is on (published ports, egress); containers on it cannot reach each other. */
export function appsBridgeName(installation: string): string {
  return `gantry-${installation}-apps`;
}

export function ipToInt(ip: string): number {
  const parts = ip.split('.');
  if (parts.length !== 4) throw new Error(`Not an IPv4 address: ${ip}`);
  let n = 0;
  for (const p of parts) {
    const o = Number(p);
    if (!/^\d{1,3}$/.test(p) || o > 255) throw new Error(`Not an IPv4 address: ${ip}`);
    n = n * 256 + o;
  }
  return n;
}

export function intToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

export function parseCidr4(cidr: string): { base: number; bits: number } {
  const [ip, len] = cidr.split('/');
  const bits = Number(len);
  if (!ip || !Number.isInteger(bits) || bits < 0 || bits > 32) throw new Error(`Not an IPv4 CIDR: ${cidr}`);
  const size = 2 ** (32 - bits);
  return { base: Math.floor(ipToInt(ip) / size) * size, bits };
}

export function cidrsOverlap(a: string, b: string): boolean {
  const x = parseCidr4(a);
  const y = parseCidr4(b);
  const xEnd = x.base + 2 ** (32 - x.bits);
  const yEnd = y.base + 2 ** (32 - y.bits);
  return x.base < yEnd && y.base < xEnd;
}

/** The team subnets of a pool in order, skipping those that overlap `used`. */
export function freeSubnets(pool: string, used: string[], bits = TEAM_SUBNET_BITS): string[] {
  const p = parseCidr4(pool);
  if (bits < p.bits) throw new Error(`The pool ${pool} is smaller than one /${bits}`);
  const step = 2 ** (32 - bits);
  const out: string[] = [];
  for (let b = p.base; b < p.base + 2 ** (32 - p.bits); b += step) {
    const cidr = `${intToIp(b)}/${bits}`;
    if (!used.some((u) => cidrsOverlap(u, cidr))) out.push(cidr);
  }
  return out;
}

/** Docker's share of a team subnet (gateway and dynamic attachments): its first /24. */
export function dynamicRange(subnet: string): string {
  const { base } = parseCidr4(subnet);
  return `${intToIp(base)}/24`;
}

/** The static addresses of a subnet: after Docker's /24, before the broadcast address. */
export function staticRange(subnet: string): { first: number; last: number } {
  const { base, bits } = parseCidr4(subnet);
  return { first: base + 256, last: base + 2 ** (32 - bits) - 2 };
}

/** A random static address of the subnet (random, so a freed address is seldom reused soon). */
export function randomStaticAddress(subnet: string, random: () => number = Math.random): string {
  const { first, last } = staticRange(subnet);
  return intToIp(first + Math.floor(random() * (last - first + 1)));
}

export interface NamedInstance {
  type: string;
  index: number;
  privateIp: string;
  hostId: string;
}

export type InternalRecords = Record<string, { ip: string; host: string }[]>;

/** `<type>.<app>.internal`, the name of a process type's instances. */
export function typeName(type: string, app: string): string {
  return `${type}.${app}.${INTERNAL_DOMAIN}`.toLowerCase();
}

/** `<type>.<index>.<app>.internal`, one instance's own name (its GANTRY_INSTANCE). */
export function instanceName(type: string, index: number, app: string): string {
  return `${type}.${index}.${app}.${INTERNAL_DOMAIN}`.toLowerCase();
}

/**
 * The names of an app's up and healthy instances: one per process type (several A records), the
 * app's own name for its primary type (web; an add-on's server type), and one per instance. Types
 * with no instance up have no name. `primary` names one instance instead ("pg1.1": an HA add-on's
 * elected leader; null while there is none, and then the app's own name has no address).
 */
export function internalRecords(app: string, instances: NamedInstance[], primaryType = 'web', primary?: string | null): InternalRecords {
  const out: InternalRecords = {};
  const add = (name: string, i: NamedInstance) => (out[name] ??= []).push({ ip: i.privateIp, host: i.hostId });
  const isPrimary = primary === undefined ? (i: NamedInstance) => i.type === primaryType : (i: NamedInstance) => `${i.type}.${i.index}` === primary;
  for (const i of [...instances].sort((a, b) => a.type.localeCompare(b.type) || a.index - b.index)) {
    add(typeName(i.type, app), i);
    if (isPrimary(i)) add(`${app}.${INTERNAL_DOMAIN}`.toLowerCase(), i);
    add(instanceName(i.type, i.index, app), i);
  }
  return out;
}
