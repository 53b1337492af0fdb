/**
 * The address ranges a user-supplied destination may not reach by default, with the reason said
 * to the user. Sources: the IANA IPv4 and IPv6 Special-Purpose Address Registries (RFC 6890 and
 * successors) and the cloud providers' instance metadata addresses. IPv6 outside 2000::/3 (global
 * unicast) is refused as reserved by policy.ts, so only the special parts of 2000::/3 and the
 * ranges that deserve their own reason are listed for IPv6.
 */
import { cidr, type Cidr } from './ip';

export type RefusalReason =
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'cgnat'
  | 'multicast'
  | 'unspecified'
  | 'broadcast'
  | 'documentation'
  | 'benchmark'
  | 'reserved'
  | 'metadata'
  | 'cluster-host';

export interface Range {
  cidr: Cidr;
  text: string;
  reason: RefusalReason;
}

const range = (text: string, reason: RefusalReason): Range => ({ cidr: cidr(text), text, reason });

/** Instance metadata services: never allowed, not even by an admin's allow list (no collector lives there). */
export const METADATA: readonly Range[] = [
  range('169.254.169.254/32', 'metadata'), // AWS, GCP, Azure, OpenStack, DigitalOcean...
  range('169.254.170.2/32', 'metadata'), // AWS ECS task metadata and credentials
  range('100.100.100.200/32', 'metadata'), // Alibaba Cloud
  range('192.0.0.192/32', 'metadata'), // Oracle Cloud
  range('fd00:ec2::254/128', 'metadata'), // AWS over IPv6
];

/** Refused unless an admin allows them (the most specific first: the first match names the reason). */
export const REFUSED: readonly Range[] = [
  range('0.0.0.0/8', 'unspecified'),
  range('10.0.0.0/8', 'private'),
  range('100.64.0.0/10', 'cgnat'),
  range('127.0.0.0/8', 'loopback'),
  range('169.254.0.0/16', 'link-local'),
  range('172.16.0.0/12', 'private'),
  range('192.0.0.0/24', 'reserved'),
  range('192.0.2.0/24', 'documentation'),
  range('192.88.99.0/24', 'reserved'),
  range('192.168.0.0/16', 'private'),
  range('198.18.0.0/15', 'benchmark'),
  range('198.51.100.0/24', 'documentation'),
  range('203.0.113.0/24', 'documentation'),
  range('224.0.0.0/4', 'multicast'),
  range('255.255.255.255/32', 'broadcast'),
  range('240.0.0.0/4', 'reserved'),
  range('::/128', 'unspecified'),
  range('::1/128', 'loopback'),
  range('64:ff9b:1::/48', 'private'),
  range('100::/64', 'reserved'),
  range('2001::/32', 'reserved'), // Teredo (its embedded IPv4 addresses are checked as well)
  range('2001:2::/48', 'benchmark'),
  range('2001:db8::/32', 'documentation'),
  range('3fff::/20', 'documentation'),
  range('fc00::/7', 'private'),
  range('fec0::/10', 'private'), // site-local, deprecated
  range('fe80::/10', 'link-local'),
  range('ff00::/8', 'multicast'),
];

/** IPv6 global unicast: anything outside is not a public address. */
export const GLOBAL_UNICAST_V6 = cidr('2000::/3');

/** How a refusal reads: "... is a private address". */
export const REASON_TEXT: Record<RefusalReason, string> = {
  loopback: 'a loopback address',
  private: 'a private address',
  'link-local': 'a link-local address',
  cgnat: 'a carrier-grade NAT (shared) address',
  multicast: 'a multicast address',
  unspecified: 'an unspecified ("this host") address',
  broadcast: 'the broadcast address',
  documentation: 'a documentation address',
  benchmark: 'a benchmarking address',
  reserved: 'a reserved address',
  metadata: 'a cloud metadata address',
  'cluster-host': 'the address of a Gantry host',
};
