import { describe, expect, it } from 'vitest';
import { parseConfig, parseUpstream, resolvConfUpstreams } from './config';

const env = { NETD_DNS: '172.30.0.1', NETD_CONTROL: '10.0.0.5:7079', NETD_TOKEN: 'x'.repeat(32), NETD_HOST: 'h1' };

describe('parseConfig', () => {
  it('reads the settings, with port 53 and resolv.conf upstreams by default', () => {
    expect(parseConfig(env, 'nameserver 127.0.0.11\nnameserver 10.0.0.2\nsearch lan\n')).toEqual({
      dnsIp: '172.30.0.1',
      dnsPort: 53,
      controlIp: '10.0.0.5',
      controlPort: 7079,
      token: 'x'.repeat(32),
      upstream: [{ address: '10.0.0.2', port: 53 }],
      hostId: 'h1',
    });
  });

  it('takes NETD_UPSTREAM and NETD_DNS_PORT over the defaults', () => {
    const c = parseConfig({ ...env, NETD_UPSTREAM: '1.1.1.1, 127.0.0.1:5353,[::1]:53', NETD_DNS_PORT: '5300' }, 'nameserver 10.0.0.2');
    expect(c.upstream).toEqual([
      { address: '1.1.1.1', port: 53 },
      { address: '127.0.0.1', port: 5353 },
      { address: '::1', port: 53 },
    ]);
    expect(c.dnsPort).toBe(5300);
  });

  const bad: [string, Record<string, string | undefined>, RegExp][] = [
    ['no NETD_DNS', { ...env, NETD_DNS: undefined }, /NETD_DNS is required/],
    ['a NETD_DNS that is not IPv4', { ...env, NETD_DNS: 'bridge0' }, /NETD_DNS: "bridge0"/],
    ['a NETD_CONTROL without port', { ...env, NETD_CONTROL: '10.0.0.5' }, /NETD_CONTROL/],
    ['a short token', { ...env, NETD_TOKEN: 'short' }, /at least 16/],
    ['no host id', { ...env, NETD_HOST: ' ' }, /NETD_HOST is required/],
    ['a bad DNS port', { ...env, NETD_DNS_PORT: '70000' }, /NETD_DNS_PORT/],
    ['a bad upstream', { ...env, NETD_UPSTREAM: 'dns.google' }, /NETD_UPSTREAM: "dns.google"/],
  ];
  it.each(bad)('refuses %s', (_, e, message) => expect(() => parseConfig(e, '')).toThrow(message));
});

describe('upstreams', () => {
  it('leaves loopback resolvers of resolv.conf out', () => {
    expect(resolvConfUpstreams('nameserver 127.0.0.53\nnameserver ::1\n# nameserver 9.9.9.9\nnameserver fe80::1%eth0\n')).toEqual([{ address: 'fe80::1', port: 53 }]);
  });
  it('parses address forms', () => {
    expect(parseUpstream('2001:db8::1')).toEqual({ address: '2001:db8::1', port: 53 });
    expect(() => parseUpstream('1.2.3.4:0')).toThrow(/port/);
  });
});
