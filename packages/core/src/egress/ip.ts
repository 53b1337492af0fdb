/**
 * IP addresses in every notation a resolver or URL parser accepts, turned into bytes so the
 * egress policy compares numbers, never text. IPv4 follows inet_aton (what getaddrinfo, curl and
 * the WHATWG URL parser accept): 1 to 4 parts, each decimal, octal (leading 0) or hex (0x), the
 * last part filling the remaining bytes: `2130706433`, `0177.0.0.1`, `0x7f.1` and `127.1` are all
 * 127.0.0.1. IPv6 takes brackets, `::` compression, a dotted IPv4 tail and a zone id (`%eth0`).
 */

export interface Ip {
  family: 4 | 6;
  /** 4 or 16 bytes, network order. */
  bytes: Uint8Array;
}

/** The address in canonical text: dotted quad, or RFC 5952 IPv6 (lowercase, longest zero run as ::). */
export function formatIp(ip: Ip): string {
  if (ip.family === 4) return [...ip.bytes].join('.');
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((ip.bytes[i]! << 8) | ip.bytes[i + 1]!);
  let best = { at: -1, len: 0 };
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.len && j - i > 1) best = { at: i, len: j - i };
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.at < 0) return hex.join(':');
  return `${hex.slice(0, best.at).join(':')}::${hex.slice(best.at + best.len).join(':')}`;
}

/** An IP literal in any notation, or null when `text` is not one (then it is a host name). */
export function parseIp(text: string): Ip | null {
  let s = text.trim().toLowerCase();
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  if (s.includes(':')) return parseIPv6(s);
  const bytes = parseIPv4Loose(s);
  return bytes ? { family: 4, bytes } : null;
}

/** inet_aton's forms. A single trailing dot is ignored, as the URL parser does. */
export function parseIPv4Loose(text: string): Uint8Array | null {
  const s = text.endsWith('.') ? text.slice(0, -1) : text;
  const parts = s.split('.');
  if (parts.length < 1 || parts.length > 4) return null;
  const nums: number[] = [];
  for (const p of parts) {
    const n = parseIPv4Part(p);
    if (n === null) return null;
    nums.push(n);
  }
  const last = nums.pop()!;
  if (nums.some((n) => n > 255)) return null;
  const lastBytes = 4 - nums.length;
  if (last >= 256 ** lastBytes) return null;
  const out = new Uint8Array(4);
  nums.forEach((n, i) => (out[i] = n));
  for (let i = 0; i < lastBytes; i++) out[3 - i] = Math.floor(last / 256 ** i) % 256;
  return out;
}

function parseIPv4Part(p: string): number | null {
  let n: number;
  if (/^0x[0-9a-f]*$/.test(p)) n = p.length === 2 ? 0 : parseInt(p.slice(2), 16);
  else if (/^0[0-7]+$/.test(p)) n = parseInt(p.slice(1), 8);
  else if (/^(0|[1-9][0-9]*)$/.test(p)) n = Number(p);
  else return null;
  // Beyond 2^32 is never an address; also keeps huge hex strings from losing precision.
  return Number.isSafeInteger(n) && n <= 0xffffffff ? n : null;
}

function parseIPv6(text: string): Ip | null {
  const zone = text.indexOf('%');
  const s = zone >= 0 ? text.slice(0, zone) : text;
  if (zone >= 0 && zone === text.length - 1) return null;
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const groupsOf = (h: string): number[] | null => {
    if (h === '') return [];
    const out: number[] = [];
    const parts = h.split(':');
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      if (i === parts.length - 1 && p.includes('.')) {
        // Only the strict dotted quad is allowed inside IPv6 (RFC 4291).
        if (!/^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/.test(p)) return null;
        const [a, b, c, d] = p.split('.').map(Number) as [number, number, number, number];
        out.push((a << 8) | b, (c << 8) | d);
      } else {
        if (!/^[0-9a-f]{1,4}$/.test(p)) return null;
        out.push(parseInt(p, 16));
      }
    }
    return out;
  };
  const head = groupsOf(halves[0]!);
  const tail = halves.length === 2 ? groupsOf(halves[1]!) : [];
  if (!head || !tail) return null;
  let groups: number[];
  if (halves.length === 2) {
    const fill = 8 - head.length - tail.length;
    if (fill < 1) return null;
    groups = [...head, ...new Array<number>(fill).fill(0), ...tail];
  } else {
    groups = head;
  }
  if (groups.length !== 8) return null;
  const bytes = new Uint8Array(16);
  groups.forEach((g, i) => {
    bytes[i * 2] = g >> 8;
    bytes[i * 2 + 1] = g & 0xff;
  });
  return { family: 6, bytes };
}

export interface Cidr {
  ip: Ip;
  prefix: number;
}

/** "10.0.0.0/8", "fd00::/8", or one address ("10.0.0.5" = /32). Strict notation: this is admin input. */
export function parseCidr(text: string): Cidr | null {
  const [addr, len, ...rest] = text.trim().split('/');
  if (rest.length || !addr) return null;
  const ip = addr.includes(':') ? parseIPv6(addr.toLowerCase()) : strictIPv4(addr);
  if (!ip || addr.includes('%')) return null;
  const max = ip.family === 4 ? 32 : 128;
  if (len === undefined) return { ip, prefix: max };
  if (!/^\d{1,3}$/.test(len) || Number(len) > max) return null;
  return { ip, prefix: Number(len) };
}

function strictIPv4(text: string): Ip | null {
  if (!/^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/.test(text)) return null;
  return { family: 4, bytes: Uint8Array.from(text.split('.').map(Number)) };
}

export function formatCidr(c: Cidr): string {
  return `${formatIp(maskTo(c.ip, c.prefix))}/${c.prefix}`;
}

/** The network address: host bits cleared. */
export function maskTo(ip: Ip, prefix: number): Ip {
  const bytes = Uint8Array.from(ip.bytes);
  for (let bit = prefix; bit < bytes.length * 8; bit++) bytes[bit >> 3]! &= ~(0x80 >> (bit & 7));
  return { family: ip.family, bytes };
}

export function inCidr(ip: Ip, c: Cidr): boolean {
  if (ip.family !== c.ip.family) return false;
  for (let bit = 0; bit < c.prefix; bit++) {
    const m = 0x80 >> (bit & 7);
    if ((ip.bytes[bit >> 3]! & m) !== (c.ip.bytes[bit >> 3]! & m)) return false;
  }
  return true;
}

/** A CIDR from trusted literal text (the tables in ranges.ts); throws on a typo. */
export function cidr(text: string): Cidr {
  const c = parseCidr(text);
  if (!c) throw new Error(`bad CIDR in a table: ${text}`);
  return c;
}

/**
 * IPv4 addresses carried inside an IPv6 one, where a packet to the IPv6 address reaches the IPv4
 * host: IPv4-mapped ::ffff:0:0/96 and IPv4-translated ::ffff:0:0:0/96, the deprecated compatible
 * ::/96, NAT64 64:ff9b::/96 (RFC 6052) and 64:ff9b:1::/48 (RFC 8215), 6to4 2002::/16 (RFC 3056)
 * and Teredo 2001::/32 (server, and the client XORed with ones, RFC 4380).
 */
export function embeddedIPv4(ip: Ip): Ip[] {
  if (ip.family !== 6) return [];
  const b = ip.bytes;
  const v4 = (from: number, xor = 0): Ip => ({ family: 4, bytes: Uint8Array.from(b.slice(from, from + 4), (x) => x ^ xor) });
  const zeros = (from: number, to: number) => b.slice(from, to).every((x) => x === 0);
  const out: Ip[] = [];
  if (zeros(0, 10) && b[10] === 0xff && b[11] === 0xff) out.push(v4(12));
  if (zeros(0, 8) && b[8] === 0xff && b[9] === 0xff && zeros(10, 12)) out.push(v4(12));
  if (zeros(0, 12)) out.push(v4(12));
  if (b[0] === 0 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b) out.push(v4(12));
  if (b[0] === 0x20 && b[1] === 0x02) out.push(v4(2));
  if (b[0] === 0x20 && b[1] === 0x01 && b[2] === 0 && b[3] === 0) out.push(v4(4), v4(12, 0xff));
  return out;
}
