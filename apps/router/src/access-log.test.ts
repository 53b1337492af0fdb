import { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { accessLogLine } from './access-log';
import { RoutedRequest } from './request';

function request(): RoutedRequest {
  const req = new RoutedRequest(new Socket());
  req.method = 'GET';
  req.url = '/a "quoted" path?x=1';
  req.headers = { host: 'MyApp.localhost:8080' };
  req.requestId = 'rid-0123456789abcdefghij';
  req.startedAt = 100;
  return req;
}

describe('accessLogLine', () => {
  it('writes a Heroku-style line for a served request', () => {
    const req = request();
    req.servedBy = 'web.2';
    req.connectMs = 1.4;
    expect(accessLogLine(req, 200, 1234, 112.6)).toBe(
      'at=info method=GET path="/a \\"quoted\\" path?x=1" host=myapp.localhost request_id=rid-0123456789abcdefghij ' +
        'fwd="" dyno=web.2 connect=1ms service=13ms status=200 bytes=1234 protocol=http',
    );
  });

  it('names the error code and description of a failed request', () => {
    const req = request();
    req.errorCode = 'H12';
    req.errorDesc = 'Request timeout';
    expect(accessLogLine(req, 504, 560, 30_100)).toMatch(/^at=error code=H12 desc="Request timeout" method=GET .* status=504 /);
  });
});
