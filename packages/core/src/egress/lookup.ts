/**
 * Enforcement at connect time: a `lookup` for net.connect, tls.connect and http(s).request that
 * resolves the name and refuses unless every address it got is allowed, so the check is made on
 * the very addresses the socket connects to and DNS rebinding (public at a check, private at the
 * connect) cannot get around it. Node skips `lookup` for IP literals: callers check those with
 * assertDestination first (transports do both).
 */
import dns from 'node:dns';
import type { LookupFunction } from 'node:net';
import { DestinationRefused } from '../errors';
import { parseIp } from './ip';
import { checkAddress, refusalMessage, type EgressPolicy } from './policy';

/** Where the policy comes from: read at each connect, so an admin's change applies at the next one. */
export type PolicySource = () => EgressPolicy;

/** dns.lookup with `all: true`, or a stand-in (tests). */
export type Resolve = (host: string, opts: dns.LookupAllOptions, cb: (err: NodeJS.ErrnoException | null, addresses: dns.LookupAddress[]) => void) => void;

/** Throws DestinationRefused when `address` (an IP literal) may not be contacted. */
export function assertAddress(policy: EgressPolicy, address: string, what: string, shown?: string): void {
  const v = checkAddress(policy, address);
  if (!v.allowed) throw new DestinationRefused(refusalMessage(what, v, shown), { address: v.address, reason: v.reason, ...(v.range ? { range: v.range } : {}), ...(v.host ? { host: v.host } : {}) });
}

/** For a host as written in a URL: IP literals (any notation) are checked now; names are left to the lookup. */
export function assertDestination(policy: EgressPolicy, host: string, what: string): void {
  if (parseIp(host)) assertAddress(policy, host, what, host);
}

/**
 * Resolves `host` and returns every address, all allowed, or throws DestinationRefused for the
 * first refused one. An IP literal is checked as it is.
 */
export async function resolveAllowed(policy: EgressPolicy, host: string, what: string, resolve: Resolve = dns.lookup as unknown as Resolve): Promise<dns.LookupAddress[]> {
  const literal = parseIp(host);
  if (literal) {
    assertAddress(policy, host, what, host);
    return [{ address: host.replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, ''), family: literal.family }];
  }
  const addresses = await new Promise<dns.LookupAddress[]>((done, fail) => resolve(host, { all: true }, (err, a) => (err ? fail(err) : done(a))));
  if (addresses.length === 0) throw new Error(`${host} has no address`);
  for (const a of addresses) assertAddress(policy, a.address, what, host);
  return addresses;
}

/** A LookupFunction that only ever hands out allowed addresses (every one the name has, or an error). */
export function guardedLookup(policy: PolicySource, what: string, resolve: Resolve = dns.lookup as unknown as Resolve): LookupFunction {
  return (hostname, options, callback) => {
    resolveAllowed(policy(), hostname, what, (h, _o, cb) => resolve(h, { ...options, all: true }, cb)).then(
      (addresses) => {
        if (options.all) callback(null, addresses);
        else callback(null, addresses[0]!.address, addresses[0]!.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, ''),
    );
  };
}
