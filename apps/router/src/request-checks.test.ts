import { describe, expect, it } from 'vitest';
import { requestRefusal } from './request-checks';

describe('requestRefusal', () => {
  it.each([
    [['Host', 'a.localhost']],
    [['host', 'a.localhost:8080', 'Accept', '*/*']],
    [['Host', '[::1]:80', 'Transfer-Encoding', 'chunked']],
    [['Host', 'a', 'transfer-encoding', ' Chunked ']],
    [[]],
  ])('accepts %j', (raw) => {
    expect(requestRefusal(raw)).toBeUndefined();
  });

  it.each([
    ['two Host fields', ['Host', 'a.localhost', 'Host', 'b.localhost'], /more than one Host/],
    ['two identical Host fields', ['Host', 'a.localhost', 'HOST', 'a.localhost'], /more than one Host/],
    ['a Host with a port that is not a number', ['Host', 'a.localhost:abc'], /not a host name/],
    ['a Host with a port over 65535', ['Host', 'a.localhost:70000'], /not a host name/],
    ['a Host with a path', ['Host', 'a.localhost/x'], /not a host name/],
    ['Transfer-Encoding gzip, chunked', ['Host', 'a', 'Transfer-Encoding', 'gzip, chunked'], /chunked" only/],
    ['an unknown Transfer-Encoding', ['Host', 'a', 'Transfer-Encoding', 'foo'], /chunked" only/],
    ['Transfer-Encoding twice', ['Host', 'a', 'Transfer-Encoding', 'chunked', 'Transfer-Encoding', 'chunked'], /chunked" only/],
  ])('refuses %s', (_what, raw, message) => {
    expect(requestRefusal(raw)).toMatch(message);
  });
});
