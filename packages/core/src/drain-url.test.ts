import { describe, expect, it } from 'vitest';
import { parseDrainUrl, redactDrainUrl } from './drain-url';

describe('drain URLs', () => {
  it.each([
    ['syslog+tls://logs.example.com:6514', 'syslog+tls://logs.example.com:6514', { kind: 'syslog', tls: true, host: 'logs.example.com', port: 6514 }],
    ['  syslog://LOGS.example.com:514/ ', 'syslog://logs.example.com:514', { kind: 'syslog', tls: false, host: 'logs.example.com', port: 514 }],
    ['syslog://127.0.0.1:1514', 'syslog://127.0.0.1:1514', { kind: 'syslog', tls: false, host: '127.0.0.1', port: 1514 }],
    ['syslog+tls://[::1]:6514', 'syslog+tls://[::1]:6514', { kind: 'syslog', tls: true, host: '::1', port: 6514 }],
    ['https://Collector.example.com/logs?k=1#x', 'https://collector.example.com/logs?k=1', { kind: 'http', url: 'https://collector.example.com/logs?k=1' }],
    ['http://user:pw@127.0.0.1:8080', 'http://user:pw@127.0.0.1:8080/', { kind: 'http', url: 'http://user:pw@127.0.0.1:8080/' }],
    ['https://example.com:443/x', 'https://example.com/x', { kind: 'http', url: 'https://example.com/x' }],
  ])('accepts %s', (input, url, target) => {
    expect(parseDrainUrl(input)).toEqual({ url, target });
  });

  it.each([
    ['', /it is empty/],
    ['logs.example.com:514', /scheme "logs.example.com" is not supported/],
    ['not a url', /it is not a URL/],
    ['ftp://example.com/x', /scheme "ftp" is not supported/],
    ['udp://example.com:514', /scheme "udp" is not supported/],
    ['syslog://example.com', /need a port/],
    ['syslog+tls://example.com:99999', /it is not a URL/],
    ['syslog://example.com:514/path', /no path/],
    ['syslog://u:p@example.com:514', /no user or password/],
    ['https://', /it is not a URL/],
    [`https://example.com/${'x'.repeat(3000)}`, /longer than 2048/],
  ])('refuses %j', (input, why) => {
    expect(() => parseDrainUrl(input)).toThrow(why);
    expect(() => parseDrainUrl(input)).toThrow(/Use syslog\+tls:\/\/host:port, syslog:\/\/host:port or an https:\/\//);
  });

  it('hides credentials', () => {
    expect(redactDrainUrl('https://user:secret@example.com/x')).toBe('https://example.com/x');
    expect(redactDrainUrl('syslog://example.com:514')).toBe('syslog://example.com:514');
  });
});
