/**
 * The form hostnames take in the routing table and in lookups: lowercase, without the port,
 * without a trailing dot ("MyApp.Example.com.:8080" -> "myapp.example.com"). IPv6 literals keep
 * their brackets ("[::1]:8080" -> "[::1]"). Empty when there is no Host header.
 */
export function normalizeHost(host: string | undefined): string {
  if (!host) return '';
  let end: number;
  if (host.charCodeAt(0) === 0x5b /* [ */) {
    const close = host.indexOf(']');
    end = close === -1 ? host.length : close + 1;
  } else {
    const colon = host.indexOf(':');
    end = colon === -1 ? host.length : colon;
  }
  if (end > 0 && host.charCodeAt(end - 1) === 0x2e /* . */) end--;
  return (end === host.length ? host : host.slice(0, end)).toLowerCase();
}

/** reg-name characters of RFC 3986 (unreserved, sub-delims; "%" is checked apart). */
const REG_NAME = new Uint8Array(128);
for (const c of "-._~!$&'()*+,;=") REG_NAME[c.charCodeAt(0)] = 1;
for (let c = 0x30; c <= 0x39; c++) REG_NAME[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) REG_NAME[c] = REG_NAME[c + 0x20] = 1;
/** Inside an IP-literal's brackets: hex digits, ":" and "." (IPv6, with an embedded IPv4). */
const IP_LITERAL = new Uint8Array(128);
for (const c of '0123456789abcdefABCDEF:.') IP_LITERAL[c.charCodeAt(0)] = 1;

/**
 * A valid Host field value (RFC 9110 7.2, RFC 3986 3.2.2-3.2.3): `uri-host [ ":" port ]`, where
 * uri-host is a reg-name (IPv4 addresses are reg-names too) or a bracketed IPv6 literal, and the
 * port is digits up to 65535 (or empty, as the grammar allows). RFC 9112 3.2: a request with an
 * invalid Host gets 400. Empty is valid (a request target without authority).
 */
export function isValidHost(host: string): boolean {
  const n = host.length;
  let i = 0;
  if (n > 0 && host.charCodeAt(0) === 0x5b /* [ */) {
    i = 1;
    while (i < n) {
      const c = host.charCodeAt(i);
      if (c >= 128 || IP_LITERAL[c] !== 1) break;
      i++;
    }
    if (i === 1 || host.charCodeAt(i) !== 0x5d /* ] */) return false;
    i++;
  } else {
    while (i < n) {
      const c = host.charCodeAt(i);
      if (c === 0x25 /* % */) {
        if (!isHex(host.charCodeAt(i + 1)) || !isHex(host.charCodeAt(i + 2))) return false;
        i += 3;
        continue;
      }
      if (c >= 128 || REG_NAME[c] !== 1) break;
      i++;
    }
  }
  if (i === n) return true;
  if (host.charCodeAt(i) !== 0x3a /* : */) return false;
  // The port: at most 5 digits, at most 65535.
  const digits = n - i - 1;
  if (digits > 5) return false;
  let port = 0;
  for (let j = i + 1; j < n; j++) {
    const d = host.charCodeAt(j) - 0x30;
    if (d < 0 || d > 9) return false;
    port = port * 10 + d;
  }
  return port <= 65535;
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}
