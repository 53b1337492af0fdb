/**
 * The router's own answers: small HTML pages for errors (always naming the request id, which
 * the response also carries as X-Request-Id) and the health document.
 */
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

/** What the router's answers use of a response (Node's, or the client lane's). */
export interface PageResponse {
  statusCode: number;
  readonly headersSent: boolean;
  setHeader(name: string, value: string | number): unknown;
  end(chunk: string): unknown;
  destroy(): unknown;
}

export interface Page {
  status: number;
  html: string;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(status: number, title: string, detail: string, requestId: string): Page {
  const t = escapeHtml(title);
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${t}</title>
<style>
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1f2328;background:#fff;max-width:38rem;margin:18vh auto;padding:0 1.25rem}
h1{font-size:1.35rem;margin:0 0 .5rem}
p{margin:.5rem 0;color:#444}
code{font:13px ui-monospace,SFMono-Regular,Menlo,monospace;color:#666}
footer{margin-top:2rem;font-size:13px;color:#888}
</style>
</head>
<body>
<h1>${t}</h1>
<p>${escapeHtml(detail)}</p>
<p><code>Request ID: ${escapeHtml(requestId)}</code></p>
<footer>Gantry router &middot; ${status} ${escapeHtml(STATUS_CODES[status] ?? '')}</footer>
</body>
</html>
`;
  return { status, html };
}

export function notFoundPage(host: string, appsDomain: string, requestId: string): Page {
  const name = host || '(no Host header)';
  return page(404, `No app at ${name}`, `Nothing is deployed at this address. Apps answer at <name>.${appsDomain}.`, requestId);
}

export function noInstancesPage(app: string, requestId: string): Page {
  return page(503, `${app} has no running instances`, 'The app exists but no instance of it is running. Scale it up, or wait for the deploy to finish.', requestId);
}

export function wakeTimeoutPage(app: string, seconds: number, requestId: string): Page {
  return page(503, `${app} did not wake up in time`, `The app was asleep and no instance of it became healthy within ${seconds} seconds. Its log (gantry logs) says why; try again in a moment.`, requestId);
}

export function wakeBacklogPage(app: string, requestId: string): Page {
  return page(503, `${app} is waking up`, 'Too many requests are already waiting for the app to wake up. Try again in a few seconds.', requestId);
}

export function unreachablePage(app: string, requestId: string): Page {
  return page(503, `${app}: could not reach any instance`, 'Every instance the router tried refused the connection or closed it. Try again in a moment.', requestId);
}

export function badResponsePage(app: string, requestId: string): Page {
  return page(502, `${app} closed the connection without a response`, 'The instance received the request but did not answer it.', requestId);
}

export function upgradeWithBodyPage(requestId: string): Page {
  return page(400, 'Protocol upgrade with a request body is not supported', 'Send the request without "Upgrade" (for curl: without --http2 on an http:// URL).', requestId);
}

export function timeoutPage(app: string, seconds: number, requestId: string): Page {
  return page(504, `${app} did not answer in time`, `The instance did not start its response within ${seconds} seconds.`, requestId);
}

export function bodyTooLargePage(limitBytes: number, requestId: string): Page {
  return page(413, 'Request body too large', `The router accepts request bodies up to ${formatBytes(limitBytes)}.`, requestId);
}

export function headersTooLargePage(limitBytes: number, requestId: string): Page {
  return page(431, 'Request headers too large', `The router accepts request heads (request line and headers) up to ${formatBytes(limitBytes)}.`, requestId);
}

export function badRequestPage(requestId: string, detail = 'The router could not read this request as HTTP/1.1.'): Page {
  return page(400, 'Bad request', detail, requestId);
}

export function connectPage(requestId: string): Page {
  return page(400, 'CONNECT is not supported', 'The router serves apps by their host name; it does not open tunnels.', requestId);
}

export function requestTimeoutPage(requestId: string): Page {
  return page(408, 'Request timeout', 'The request was not received completely in time.', requestId);
}

function formatBytes(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KB`;
  return `${n} bytes`;
}

/** Answers with a page (X-Request-Id must already be set on `res`). */
export function sendPage(res: PageResponse, p: Page): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.statusCode = p.status;
  res.setHeader('content-type', 'text/html; charset=utf-8');
  res.setHeader('cache-control', 'no-store');
  res.setHeader('content-length', Buffer.byteLength(p.html));
  res.end(p.html);
}

/** Redirects (301/308) with a tiny body; X-Request-Id must already be set on `res`. */
export function sendRedirect(res: PageResponse, location: string, status: 301 | 308): void {
  const html = `<a href="${escapeHtml(location)}">Moved here</a>\n`;
  res.statusCode = status;
  res.setHeader('location', location);
  res.setHeader('content-type', 'text/html; charset=utf-8');
  res.setHeader('content-length', Buffer.byteLength(html));
  res.end(html);
}

/** Answers a websocket upgrade request on its raw socket, then closes it. */
export function writeSocketPage(socket: Duplex, p: Page, requestId: string): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(
    `HTTP/1.1 ${p.status} ${STATUS_CODES[p.status] ?? ''}\r\n` +
      'content-type: text/html; charset=utf-8\r\n' +
      'cache-control: no-store\r\n' +
      `content-length: ${Buffer.byteLength(p.html)}\r\n` +
      `x-request-id: ${requestId}\r\n` +
      'connection: close\r\n\r\n' +
      p.html,
  );
}

export interface Health {
  /** False while shutting down: balancers that check health stop sending new connections. */
  ok: boolean;
  draining: boolean;
  /** Routing-table version this router serves. */
  version: number;
  /** Number of hostnames in the table. */
  routes: number;
  /** Whether the router's Redis connections are up (it keeps serving its last table when not). */
  redis: 'up' | 'down';
}

export function sendHealth(res: PageResponse, health: Health): void {
  const body = JSON.stringify(health);
  res.statusCode = health.ok ? 200 : 503;
  res.setHeader('content-type', 'application/json');
  res.setHeader('cache-control', 'no-store');
  res.setHeader('content-length', Buffer.byteLength(body));
  res.end(body);
}
