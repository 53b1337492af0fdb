/**
 * Peer probing: every 500 ms, `GET /health` on each peer's control server (400 ms timeout); the
 * results feed PeerLiveness. A probe still running when the next round starts is not doubled.
 */
import { request } from 'node:http';
import type { PeerLiveness } from './liveness';

export const PROBE_EVERY_MS = 500;
export const PROBE_TIMEOUT_MS = 400;

export function probeOnce(address: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(`http://${address}/health`, { method: 'GET', agent: false, signal: AbortSignal.timeout(timeoutMs) }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200));
      res.on('error', () => resolve(false));
    });
    req.on('error', () => resolve(false));
    req.end();
  });
}

/** Starts the probe loop over the peers `peers()` names (this host excluded); returns a stop function. */
export function startProbing(self: string, peers: () => Record<string, string>, liveness: PeerLiveness): () => void {
  const inFlight = new Set<string>();
  const round = () => {
    const current = peers();
    liveness.setPeers(Object.keys(current));
    for (const [host, address] of Object.entries(current)) {
      if (host === self || inFlight.has(host)) continue;
      inFlight.add(host);
      void probeOnce(address).then((ok) => {
        inFlight.delete(host);
        // The peer may have left the state while its probe ran.
        if (Object.hasOwn(peers(), host)) liveness.record(host, ok);
      });
    }
  };
  const timer = setInterval(round, PROBE_EVERY_MS);
  round();
  return () => clearInterval(timer);
}
