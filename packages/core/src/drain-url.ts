/**
 * Log drain URLs: where an app's log stream is forwarded. Only three kinds are accepted, each
 * parsed once here (by the API when a drain is added, by the forwarder when it connects):
 *
 *   syslog+tls://host:port   RFC 5424 over TLS, octet-counted (RFC 6587)
 *   syslog://host:port       the same over plain TCP
 *   https://... / http://... batches POSTed as application/logplex-1
 */
import { InvalidInput } from './errors';

export type DrainTarget =
  | { kind: 'syslog'; tls: boolean; host: string; port: number }
  | { kind: 'http'; url: string };

export const DRAIN_URL_HELP = 'Use syslog+tls://host:port, syslog://host:port or an https:// (or http://) URL.';

const MAX_URL_LENGTH = 2048;

function refuse(input: string, why: string): never {
  throw new InvalidInput(`Invalid drain URL ${JSON.stringify(input)}: ${why} ${DRAIN_URL_HELP}`);
}

/** Checks a drain URL and returns its canonical form (the one stored) and where to send. */
export function parseDrainUrl(input: string): { url: string; target: DrainTarget } {
  const text = input.trim();
  if (text.length === 0) refuse(input, 'it is empty.');
  if (text.length > MAX_URL_LENGTH) refuse(`${text.slice(0, 40)}...`, `it is longer than ${MAX_URL_LENGTH} characters.`);
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    refuse(input, 'it is not a URL.');
  }
  const scheme = u.protocol.toLowerCase();
  if (scheme === 'syslog+tls:' || scheme === 'syslog:') {
    const host = u.hostname.toLowerCase();
    if (!host) refuse(input, 'it has no host.');
    if (!u.port) refuse(input, 'syslog drains need a port (e.g. :6514).');
    if (u.username || u.password) refuse(input, 'syslog drains take no user or password.');
    if ((u.pathname && u.pathname !== '/') || u.search || u.hash) refuse(input, 'syslog drains take no path, query or fragment.');
    const port = Number(u.port);
    return { url: `${scheme}//${host}:${port}`, target: { kind: 'syslog', tls: scheme === 'syslog+tls:', host: host.replace(/^\[(.*)\]$/, '$1'), port } };
  }
  if (scheme === 'https:' || scheme === 'http:') {
    if (!u.hostname) refuse(input, 'it has no host.');
    u.hash = '';
    return { url: u.href, target: { kind: 'http', url: u.href } };
  }
  return refuse(input, `the scheme ${JSON.stringify(scheme.replace(/:$/, ''))} is not supported.`);
}

/** The URL without its user and password, for logs and messages. */
export function redactDrainUrl(url: string): string {
  try {
    const u = new URL(url);
    if (!u.username && !u.password) return url;
    u.username = '';
    u.password = '';
    return u.href;
  } catch {
    return url;
  }
}
