/**
 * Which hostnames a tenant may claim as a custom domain. The router sends every request whose Host
 * matches a claimed name to that app, so a claim on an IP address, an internal name or one of the
 * platform's own names would capture traffic meant for something else (requests by IP, a load
 * balancer's /_health checks, the API host). A custom domain is therefore a DNS name with a
 * registrable domain under a public suffix of the Public Suffix List (shipped offline by `tldts`).
 *
 * Rules, checked in this order, each with its own message:
 *   syntax -> IP address (any notation) -> the platform's own names -> reserved names -> public suffix
 */
import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import { parse } from 'tldts';
import { InvalidInput } from './errors';

/** The platform's own names: nobody may claim them as a custom domain. */
export interface PlatformNames {
  /** Apps answer at <app>.<appsDomain> (GANTRY_APPS_DOMAIN). */
  appsDomain: string;
  /** The API, dashboard and git host (GANTRY_PUBLIC_HOST). */
  publicHost?: string;
}

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/**
 * Suffixes that never resolve on the public internet (RFC 6761, 6762, 7686, 8375 and common
 * private conventions), with why. `arpa` covers home.arpa and the reverse-DNS trees.
 */
const RESERVED: ReadonlyArray<readonly [suffix: string, why: string]> = [
  ['localhost', 'names the local machine (RFC 6761)'],
  ['local', 'is multicast DNS on a local network (RFC 6762)'],
  ['internal', 'is reserved for private networks'],
  ['lan', 'is a private network name'],
  ['localdomain', 'is a private network name'],
  ['intranet', 'is a private network name'],
  ['corp', 'is a private network name'],
  ['home', 'is a private network name'],
  ['private', 'is a private network name'],
  ['arpa', 'is infrastructure (home.arpa is for home networks, RFC 8375)'],
  ['test', 'is reserved for testing (RFC 6761)'],
  ['example', 'is reserved for documentation (RFC 6761)'],
  ['invalid', 'is reserved as never valid (RFC 6761)'],
  ['onion', 'is a Tor address (RFC 7686)'],
];

const under = (host: string, suffix: string) => host === suffix || host.endsWith(`.${suffix}`);
const bare = (name: string) => name.trim().toLowerCase().replace(/\.$/, '');

/**
 * WHATWG URL parsers (browsers, Node, curl in part) read a host whose last label is a number as an
 * IPv4 address in any notation: `127.1`, `2130706433`, `0x7f.1`, `0177.0.0.1`.
 */
function looksLikeIPv4(host: string): boolean {
  const last = host.split('.').pop() ?? '';
  if (/^(\d+|0x[0-9a-f]*)$/.test(last)) return true;
  try {
    return isIP(new URL(`http://${host}/`).hostname) !== 0;
  } catch {
    return false;
  }
}

/** The lower-cased ASCII form of a name (Unicode names become xn-- labels), or the reason it is not a hostname. */
function syntaxOf(input: string): { host: string } | { problem: string } {
  const raw = bare(input);
  if (!raw) return { problem: 'is empty' };
  const unbracketed = raw.replace(/^\[(.*)\]$/, '$1');
  if (isIP(unbracketed)) return { problem: 'is an IP address: a custom domain must be a DNS name' };
  if (raw.includes(':')) return { problem: 'contains ":": give the hostname alone, without a port or scheme' };
  if (raw.startsWith('*.')) return { problem: 'is a wildcard: add each hostname separately' };
  if (looksLikeIPv4(raw)) return { problem: 'is an IP address (a name ending in a number is read as IPv4, e.g. 127.1 or 2130706433): a custom domain must be a DNS name' };
  const host = /^[\x00-\x7f]*$/.test(raw) ? raw : domainToASCII(raw);
  const labels = host.split('.');
  if (!host || host.length > 253 || !labels.every((l) => LABEL.test(l))) {
    return { problem: 'is not a hostname: use letters, digits and hyphens in dot-separated labels of at most 63 characters' };
  }
  return { host };
}

/** Why a (normalised) hostname may not be a custom domain, or null when it may. Pure; no DNS. */
export function customDomainProblem(input: string, platform: PlatformNames): string | null {
  const syntax = syntaxOf(input);
  if ('problem' in syntax) return syntax.problem;
  const host = syntax.host;
  const appsDomain = bare(platform.appsDomain);
  if (appsDomain && under(host, appsDomain)) return `is under ${appsDomain}, whose names belong to apps by name`;
  if (platform.publicHost && host === bare(platform.publicHost)) return "is Gantry's own API and dashboard host";
  for (const [suffix, why] of RESERVED) {
    if (under(host, suffix)) return host === suffix ? `${why}` : `is under .${suffix}, which ${why}`;
  }
  if (!host.includes('.')) return 'has a single label: use a name under a public suffix, like www.example.com';
  const parsed = parse(host, { allowPrivateDomains: false, extractHostname: false });
  if (parsed.isIp) return 'is an IP address: a custom domain must be a DNS name';
  if (!parsed.isIcann) return `ends in .${host.split('.').pop()}, which is not a public suffix (Public Suffix List)`;
  if (!parsed.domain) return `is a public suffix itself: use a name under it, like www.example.${parsed.publicSuffix}`;
  return null;
}

/**
 * Normalises a custom domain (lower case, no trailing dot, ASCII) and checks it against every rule;
 * throws InvalidInput naming the rule it breaks.
 */
export function checkCustomDomain(input: string, platform: PlatformNames): string {
  const problem = customDomainProblem(input, platform);
  if (problem) {
    throw new InvalidInput(`${JSON.stringify(input.trim())} cannot be a custom domain: it ${problem}.`, { rule: problem });
  }
  return (syntaxOf(input) as { host: string }).host;
}
