/**
 * The body and headers of an HTTP(S) drain request: application/logplex-1, as Heroku sends it.
 * The body is the batch's syslog messages, octet-framed and concatenated (syslog.ts); headers
 * say how many there are, give the batch an id (the same on its retries, so collectors can drop
 * duplicates) and the token.
 */
import type { LogEntry } from '@gantry/live';
import { framedBatch } from './syslog';

export const LOGPLEX_CONTENT_TYPE = 'application/logplex-1';

export function logplexRequest(entries: readonly Pick<LogEntry, 'time' | 'source' | 'process' | 'line'>[], token: string, frameId: string): { headers: Record<string, string>; body: Buffer } {
  const body = Buffer.from(framedBatch(entries, token), 'utf8');
  return {
    headers: {
      'content-type': LOGPLEX_CONTENT_TYPE,
      'content-length': String(body.length),
      'logplex-msg-count': String(entries.length),
      'logplex-frame-id': frameId,
      'logplex-drain-token': token,
      'user-agent': 'Gantry-drains/1',
    },
    body,
  };
}
