/**
 * The egress policy: may a destination a user typed (a log drain, a BUILDPACK_URL, a webhook)
 * be contacted at this address? Pure: the caller hands in the address actually about to be
 * connected to (after DNS, see lookup.ts), the admin's allow list and the cluster's own hosts.
 *
 *   address ──parseIp──> bytes ──┬─ metadata? ─────────────────────────> refused (always)
 *                                ├─ a Gantry host? ── allowed alone? ──> allowed / refused
 *                                └─ special range (or one embedded) ─ allowed range? ─> allowed / refused
 */
import { embeddedIPv4, formatIp, inCidr, parseIp, type Cidr, type Ip } from './ip';
import { GLOBAL_UNICAST_V6, METADATA, REFUSED, REASON_TEXT, type RefusalReason } from './ranges';

export interface EgressPolicy {
  /** Ranges an admin allowed (setting egress.allow). */
  allow: readonly Cidr[];
  /** The cluster's own host addresses (hosts table): refused unless allowed one by one (a /32 or /128). */
  clusterHosts: readonly { name: string; ip: Ip }[];
}

export const DEFAULT_POLICY: EgressPolicy = { allow: [], clusterHosts: [] };

export type Verdict =
  | { allowed: true; address: string }
  | {
      allowed: false;
      /** Canonical text of the address refused. */
      address: string;
      reason: RefusalReason | 'invalid';
      /** The special range it fell in, e.g. "10.0.0.0/8"; for IPv6 carrying IPv4, the IPv4 range. */
      range?: string;
      /** The IPv4 address found inside an IPv6 one, when that is what was refused. */
      embedded?: string;
      /** The Gantry host it belongs to. */
      host?: string;
    };

/** The verdict on one address (a literal in any notation). */
export function checkAddress(policy: EgressPolicy, address: string): Verdict {
  const ip = parseIp(address);
  if (!ip) return { allowed: false, address, reason: 'invalid' };
  const text = formatIp(ip);
  const candidates = [ip, ...embeddedIPv4(ip)];
  const allowed = (x: Ip) => policy.allow.some((c) => inCidr(x, c));

  for (const x of candidates) {
    const meta = METADATA.find((r) => inCidr(x, r.cidr));
    if (meta) return refused(text, ip, x, 'metadata', meta.text);
  }
  for (const x of candidates) {
    const host = policy.clusterHosts.find((h) => sameIp(h.ip, x));
    if (host && !policy.allow.some((c) => c.prefix === c.ip.bytes.length * 8 && sameIp(c.ip, x))) {
      return { ...refused(text, ip, x, 'cluster-host', `${formatIp(x)}/${x.bytes.length * 8}`), host: host.name };
    }
  }
  for (const x of candidates) {
    if (allowed(x)) continue;
    const r = REFUSED.find((r) => inCidr(x, r.cidr));
    if (r) return refused(text, ip, x, r.reason, r.text);
    // IPv6 outside global unicast is not public, unless it only wraps an IPv4 address (judged above/below).
    if (x.family === 6 && candidates.length === 1 && !inCidr(x, GLOBAL_UNICAST_V6)) return refused(text, ip, x, 'reserved', '::/0 outside 2000::/3');
  }
  return { allowed: true, address: text };
}

type Refused = Extract<Verdict, { allowed: false }>;

function refused(text: string, ip: Ip, x: Ip, reason: RefusalReason, range: string): Refused {
  return { allowed: false, address: text, reason, range, ...(x !== ip ? { embedded: formatIp(x) } : {}) };
}

function sameIp(a: Ip, b: Ip): boolean {
  return a.family === b.family && a.bytes.every((v, i) => v === b.bytes[i]);
}

/** The sentence a refusal shows, e.g. for `what` = "drain destination". */
export function refusalMessage(what: string, v: Refused, shown?: string): string {
  const subject = `${what} ${shown && shown !== v.address ? `${shown} (${v.address})` : v.address}`;
  if (v.reason === 'invalid') return `${subject} is not an IP address Gantry can check.`;
  const inner = v.embedded ? ` carrying ${v.embedded}, which is` : '';
  const is = `${subject} is${inner ? ' an IPv6 address' + inner : ''} ${REASON_TEXT[v.reason]}`;
  if (v.reason === 'metadata') return `${is}; it is never allowed.`;
  if (v.reason === 'cluster-host') return `${is} (${v.host}); an admin can allow that one address with \`gantry settings:set egress.allow=${v.range}\` (the setting lists every allowed range, comma-separated).`;
  return `${is} (${v.range}); only public addresses are allowed. An admin can allow the range with \`gantry settings:set egress.allow=${v.range}\` (the setting lists every allowed range, comma-separated).`;
}
