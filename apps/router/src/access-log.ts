/**
 * One line per request, Heroku router style:
 *   at=error code=H12 desc="Request timeout" method=GET ...   (failed requests)
 *   at=info method=GET path="/" host=myapp.localhost request_id=... fwd="10.0.0.1" dyno=web.1
 *   connect=0ms service=12ms status=200 bytes=1234 protocol=http
 */
import { clientAddress } from './headers';
import { normalizeHost } from './hostname';
import type { ProxiedRequest } from './request';

export function accessLogLine(req: ProxiedRequest, status: number, bytes: number, now: number): string {
  const code = req.errorCode;
  const encrypted = (req.socket as { encrypted?: boolean }).encrypted === true;
  return (
    (code ? `at=error code=${code} desc=${JSON.stringify(req.errorDesc)}` : 'at=info') +
    ` method=${req.method ?? ''} path=${JSON.stringify(req.url ?? '')} host=${normalizeHost(req.headers.host)}` +
    ` request_id=${req.requestId} fwd="${clientAddress(req.socket.remoteAddress) ?? ''}" dyno=${req.servedBy}` +
    ` connect=${Math.round(req.connectMs)}ms service=${Math.round(now - req.startedAt)}ms status=${status} bytes=${bytes}` +
    ` protocol=${encrypted ? 'https' : 'http'}`
  );
}
