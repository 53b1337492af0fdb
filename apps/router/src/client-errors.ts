/**
 * Requests Node's HTTP parser refuses (too large a head, malformed, too slow). Node 20 answers
 * those itself (a bare "431" / "400" / "408" with no body) only while no 'clientError' listener
 * exists; with one, the listener must answer or the client sees a bare close. This one answers
 * with the router's page (and a request id), then half-closes and lets the client read it: the
 * socket is destroyed when the client closes, or after a moment (destroying at once can turn
 * the answer into a reset when unread request bytes are still queued).
 *
 * The error can come in the body of a request already being proxied (a malformed chunk, an
 * unknown coding found after the head, a body too slow): while nothing of the app's answer was
 * sent, the exchange with the instance is abandoned and the page is the answer; once it was,
 * the connection is cut (a status is out already). An error in a request pipelined after a
 * complete one lets that one's answer go out, then closes the connection.
 */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { clientAddress } from './headers';
import type { Logger } from './log';
import { badRequestPage, bodyTooLargePage, headersTooLargePage, requestTimeoutPage, sendPage, writeSocketPage, type Page } from './pages';
import type { RoutedRequest } from './request';

const LINGER_MS = 2000;

export interface ClientErrorOptions {
  maxHeaderBytes: number;
  maxBodyBytes: number;
  log: Logger;
  /** Stops what goes on upstream for a request being answered (its exchange with an instance). */
  abandon(req: RoutedRequest): void;
}

export function createClientErrorHandler(o: ClientErrorOptions) {
  const answered = new WeakSet<Duplex>();
  return function onClientError(err: Error, socket: Duplex): void {
    if (answered.has(socket)) return; // the parser reports again for every further read
    answered.add(socket);
    const code = (err as NodeJS.ErrnoException).code ?? '';
    const pageOf = pageFor(code, o);
    const address = clientAddress((socket as { remoteAddress?: string }).remoteAddress);
    // The request whose answer is in progress on this connection, if any.
    const res = (socket as { _httpMessage?: ServerResponse<RoutedRequest> | null })._httpMessage;
    if (res != null) return answerInProgress(res, socket, pageOf, code, address);
    if (pageOf === undefined || !socket.writable) {
      socket.destroy();
      return;
    }
    const requestId = randomUUID();
    const page = pageOf(requestId);
    o.log.debug(`at=info code=client_error status=${page.status} error=${code} fwd="${address ?? ''}" request_id=${requestId}`);
    answerAndClose(socket, page, requestId);
  };

  function answerInProgress(res: ServerResponse<RoutedRequest>, socket: Duplex, pageOf: ((id: string) => Page) | undefined, code: string, address: string | undefined): void {
    if (res.writableEnded || res.req.complete) {
      // The answer is complete (the router's own, or the app's), or the request being answered
      // is and the error is in one pipelined after it: that answer goes out, then the connection
      // closes (its parser is unusable now).
      if (!res.headersSent) res.shouldKeepAlive = false;
      if (res.writableFinished) (socket as Socket).destroySoon();
      else res.once('finish', () => (socket as Socket).destroySoon());
      return;
    }
    if (pageOf === undefined || res.headersSent || !socket.writable) {
      socket.destroy();
      return;
    }
    const req = res.req;
    o.abandon(req);
    const page = pageOf(req.requestId);
    o.log.debug(`at=info code=client_error status=${page.status} error=${code} fwd="${address ?? ''}" request_id=${req.requestId}`);
    res.shouldKeepAlive = false;
    res.setHeader('x-request-id', req.requestId);
    sendPage(res, page);
  }
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
