/**
 * One query in, one reply out (or nothing): private names from the zones, everything else
 * forwarded. Transport-free: the listeners (dns-server.ts) hand it the bytes and the querier.
 */
import { encodeAnswer, encodeError, parseQuery, RCODE, TYPE_A, TYPE_ANY, CLASS_IN, UDP_LIMIT } from './dns-wire';
import type { Zones } from './zone';

export interface AnswerDeps {
  zones: Zones;
  down: () => ReadonlySet<string>;
  forward: (query: Buffer, transport: 'udp' | 'tcp') => Promise<Buffer | null>;
}

/** How long a private name asked by an unknown querier waits for the state that names it. */
export const UNKNOWN_CLIENT_WAIT_MS = 2000;

export async function answer(raw: Buffer, clientIp: string, transport: 'udp' | 'tcp', deps: AnswerDeps): Promise<Buffer | null> {
  const parsed = parseQuery(raw);
  if (!parsed.ok) return parsed.id === null ? null : encodeError(parsed.id, parsed.rcode);
  const q = parsed.query;
  let found = deps.zones.lookup(clientIp, q.name, deps.down());
  // A querier the state does not know yet (just started): its agent's push is on the way.
  if (found.kind === 'nxdomain' && !deps.zones.knows(clientIp) && (await deps.zones.waitForClient(clientIp, UNKNOWN_CLIENT_WAIT_MS))) {
    found = deps.zones.lookup(clientIp, q.name, deps.down());
  }
  const limit = transport === 'udp' ? UDP_LIMIT : 65535;
  switch (found.kind) {
    case 'nxdomain':
      return encodeAnswer(q, RCODE.NXDOMAIN, [], limit);
    case 'records': {
      const wantsA = (q.type === TYPE_A || q.type === TYPE_ANY) && q.qclass === CLASS_IN;
      return encodeAnswer(q, RCODE.NOERROR, wantsA ? found.ips : [], limit);
    }
    case 'forward':
      return (await deps.forward(raw, transport)) ?? encodeError(q.id, RCODE.SERVFAIL, q);
  }
}
