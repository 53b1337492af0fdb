import Docker from 'dockerode';

/**
 * Opens a Docker Engine API client for "unix:///path.sock" or "tcp://host:port". No API version
 * is pinned: the client negotiates, which keeps Debian's 20.10 engine (API 1.41) working.
 */
export function connectDocker(dockerHost: string): Docker {
  const url = new URL(dockerHost);
  if (url.protocol === 'unix:') return new Docker({ socketPath: url.pathname });
  if (url.protocol === 'tcp:' || url.protocol === 'http:') {
    return new Docker({ host: url.hostname, port: Number(url.port || 2375), protocol: 'http' });
  }
  throw new Error(`Unsupported Docker host ${dockerHost}: use unix:///path.sock or tcp://host:port`);
}

export type { Docker };
