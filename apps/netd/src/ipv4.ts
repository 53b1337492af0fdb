/** Dotted-quad IPv4 addresses: the only address family netd answers with. */
const OCTET = '(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4 = new RegExp(`^${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}$`);

export function isIPv4(s: string): boolean {
  return IPV4.test(s);
}

/** 4 bytes of a valid dotted quad (callers check isIPv4 first). */
export function ipv4Bytes(s: string): number[] {
  return s.split('.').map(Number);
}
