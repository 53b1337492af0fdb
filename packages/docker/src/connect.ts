import Docker from 'dockerode';

/** PEM text of a mutual-TLS connection to an engine run with --tlsverify (core's DockerTls). */
export interface EngineTls {
  ca: string;
  cert: string;
  key: string;
}

/**
 * Opens a Docker Engine API client for "unix:///path.sock" or "tcp://host:port". With `tls`, a
 * tcp:// engine is reached over HTTPS with our client certificate, and its server certificate is
 * checked against `tls.ca` and the URL's host (default port 2376); without, over plain HTTP (2375:
 * only for hosts an admin added with --insecure). No API version is pinned: the client negotiates,
 * which keeps Debian's 20.10 engine (API 1.41) working.
 */
export function connectDocker(dockerHost: string, tls?: EngineTls): Docker {
  const url = new URL(dockerHost);
  if (url.protocol === 'unix:') return new Docker({ socketPath: url.pathname });
  if (url.protocol === 'tcp:' || url.protocol === 'http:') {
    if (tls) return new Docker({ host: url.hostname, port: Number(url.port || 2376), protocol: 'https', ca: tls.ca, cert: tls.cert, key: tls.key });
    return new Docker({ host: url.hostname, port: Number(url.port || 2375), protocol: 'http' });
  }
  throw new Error(`Unsupported Docker host ${dockerHost}: use unix:///path.sock or tcp://host:port`);
}

export type { Docker };
