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

/** The port written in a Host header ("a.example.com:8080" -> "8080"), if any. */
export function hostPort(host: string | undefined): string | undefined {
  if (!host) return undefined;
  const colon = host.lastIndexOf(':');
  if (colon === -1 || colon < host.lastIndexOf(']') || colon === host.length - 1) return undefined;
  const port = host.slice(colon + 1);
  return /^\d{1,5}$/.test(port) ? port : undefined;
}
