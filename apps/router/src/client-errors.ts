/**
 * Requests Node's HTTP parser refuses (too large a head, malformed, too slow). Node 20 answers
 * those itself (a bare "431" / "400" / "408" with no body) only while no 'clientError' listener
 * exists; with one, the listener must answer or the client sees a bare close. This one answers
 * with the router's page (and a request id), then half-closes and lets the client read it: the
 * socket is destroyed when the client closes, or after a moment (destroying at once can turn
 * the answer into a reset when unread request bytes are still queued).
 */
import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { clientAddress } from './headers';
import type { Logger } from './log';
import { badRequestPage, bodyTooLargePage, headersTooLargePage, requestTimeoutPage, writeSocketPage, type Page } from './pages';

const LINGER_MS = 2000;

export function createClientErrorHandler(o: { maxHeaderBytes: number; maxBodyBytes: number; log: Logger }) {
  const answered = new WeakSet<Duplex>();
  return function onClientError(err: Error, socket: Duplex): void {
    if (answered.has(socket)) return; // the parser reports again for every further read
    answered.add(socket);
    const code = (err as NodeJS.ErrnoException).code ?? '';
    const pageOf = pageFor(code, o);
    // A response is in progress on this connection: nothing can be written in between.
    const busy = (socket as { _httpMessage?: unknown })._httpMessage != null;
    if (pageOf === undefined || busy || !socket.writable) {
      socket.destroy();
      return;
    }
    const requestId = randomUUID();
    const page = pageOf(requestId);
    const address = clientAddress((socket as { remoteAddress?: string }).remoteAddress);
    o.log.debug(`at=info code=client_error status=${page.status} error=${code} fwd="${address ?? ''}" request_id=${requestId}`);
    answerAndClose(socket, page, requestId);
  };
}

/**
 * Answers on the raw socket with a page and half-closes; the socket is destroyed when the client
 * closes, or after a moment (destroying at once can turn the answer into a reset).
 */
export function answerAndClose(socket: Duplex, page: Page, requestId: string): void {
  socket.on('error', () => socket.destroy());
  writeSocketPage(socket, page, requestId);
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
}

function pageFor(code: string, o: { maxHeaderBytes: number; maxBodyBytes: number }): ((id: string) => Page) | undefined {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return (id) => headersTooLargePage(o.maxHeaderBytes, id);
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return (id) => bodyTooLargePage(o.maxBodyBytes, id);
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return requestTimeoutPage;
    default:
      // Other parser errors are the client's malformed request; socket errors (ECONNRESET...)
      // have nobody left to answer.
      return code.startsWith('HPE_') ? badRequestPage : undefined;
  }
}
