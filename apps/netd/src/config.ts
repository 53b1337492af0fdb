/** netd's settings, read once from its environment (and /etc/resolv.conf for the default upstream). Pure. */
import { isIPv4 } from './ipv4';

export interface NetdConfig {
  /** Address the DNS listeners bind (the gateway of this host's apps bridge). */
  dnsIp: string;
  /** 53 in production; tests pick a free port. */
  dnsPort: number;
  controlIp: string;
  controlPort: number;
  token: string;
  /** Resolvers for names that are not private: "ip" or "ip:port" ("[v6]:port"). */
  upstream: Upstream[];
  hostId: string;
}

export interface Upstream {
  address: string;
  port: number;
}

export class InvalidConfig extends Error {
  override name = 'InvalidConfig';
}

function port(value: string, what: string): number {
  const n = Number(value);
  if (!/^\d{1,5}$/.test(value) || n < 1 || n > 65535) throw new InvalidConfig(`${what}: "${value}" is not a port (1-65535)`);
  return n;
}

/** "1.1.1.1", "1.1.1.1:5353", "::1", "[::1]:5353". */
export function parseUpstream(text: string): Upstream {
  const s = text.trim();
  const v6port = /^\[([0-9a-fA-F:.]+)\]:(\d+)$/.exec(s);
  if (v6port) return { address: v6port[1]!, port: port(v6port[2]!, `NETD_UPSTREAM ${s}`) };
  if (s.includes(':') && s.indexOf(':') !== s.lastIndexOf(':')) {
    if (/^[0-9a-fA-F:.]+$/.test(s)) return { address: s, port: 53 };
  } else {
    const [address, p] = s.split(':') as [string, string | undefined];
    if (isIPv4(address)) return { address, port: p === undefined ? 53 : port(p, `NETD_UPSTREAM ${s}`) };
  }
  throw new InvalidConfig(`NETD_UPSTREAM: "${s}" is not an IP address (or address:port)`);
}

const isLoopback = (address: string) => address.startsWith('127.') || address === '::1';

/** The `nameserver` lines of resolv.conf, loopback ones left out (a local stub may be Docker's own, or us). */
export function resolvConfUpstreams(text: string): Upstream[] {
  const out: Upstream[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    if (!m) continue;
    const address = m[1]!.replace(/%.*$/, '');
    if (isLoopback(address)) continue;
    try {
      out.push(parseUpstream(address));
    } catch {
      // an odd line is not a reason to refuse to start
    }
  }
  return out;
}

export function parseConfig(env: Record<string, string | undefined>, resolvConf: string): NetdConfig {
  const need = (key: string) => {
    const v = env[key]?.trim();
    if (!v) throw new InvalidConfig(`${key} is required`);
    return v;
  };
  const dnsIp = need('NETD_DNS');
  if (!isIPv4(dnsIp)) throw new InvalidConfig(`NETD_DNS: "${dnsIp}" is not an IPv4 address`);
  const control = need('NETD_CONTROL');
  const m = /^(.+):(\d+)$/.exec(control);
  if (!m || !isIPv4(m[1]!)) throw new InvalidConfig(`NETD_CONTROL: "${control}" is not ip:port`);
  const token = need('NETD_TOKEN');
  if (token.length < 16) throw new InvalidConfig('NETD_TOKEN: must be at least 16 characters');
  const upstreamText = env.NETD_UPSTREAM?.trim();
  return {
    dnsIp,
    dnsPort: env.NETD_DNS_PORT?.trim() ? port(env.NETD_DNS_PORT.trim(), 'NETD_DNS_PORT') : 53,
    controlIp: m[1]!,
    controlPort: port(m[2]!, 'NETD_CONTROL'),
    token,
    upstream: upstreamText ? upstreamText.split(',').filter((s) => s.trim()).map(parseUpstream) : resolvConfUpstreams(resolvConf),
    hostId: need('NETD_HOST'),
  };
}
