import { describe, expect, it } from 'vitest';
import { checkCustomDomain, customDomainProblem } from './custom-domain';

const platform = { appsDomain: 'apps.gantry.example.com', publicHost: 'gantry.example.com' };

describe('custom domains', () => {
  it.each([
    ['www.example.com', 'www.example.com'],
    ['WWW.Example.COM.', 'www.example.com'],
    ['shop.co.uk', 'shop.co.uk'],
    ['a.b.shop.co.uk', 'a.b.shop.co.uk'],
    ['example.com', 'example.com'],
    ['my-app.github.io', 'my-app.github.io'],
    ['github.io', 'github.io'],
    ['bücher.de', 'xn--bcher-kva.de'],
    ['www.gantry-e2e.com', 'www.gantry-e2e.com'],
    ['example.com.apps.gantry.example.org', 'example.com.apps.gantry.example.org'],
  ])('accepts %s as %s', (input, expected) => {
    expect(checkCustomDomain(input, platform)).toBe(expected);
  });

  it.each([
    // IP addresses in every notation
    ['127.0.0.1', /IP address/],
    ['10.0.0.1', /IP address/],
    ['0.0.0.0', /IP address/],
    ['169.254.169.254', /IP address/],
    ['127.1', /IP address/],
    ['2130706433', /IP address/],
    ['0x7f000001', /IP address/],
    ['0x7f.0.0.1', /IP address/],
    ['0177.0.0.1', /IP address/],
    ['017700000001', /IP address/],
    ['1.2.3.4.', /IP address/],
    ['::1', /IP address/],
    ['[::1]', /IP address/],
    ['[::ffff:127.0.0.1]', /IP address/],
    ['fe80::1', /IP address/],
    ['example.com.123', /IP address/],
    // internal and reserved names
    ['localhost', /local machine/],
    ['app.localhost', /under \.localhost/],
    ['gantry.local', /under \.local,/],
    ['db.internal', /under \.internal/],
    ['nas.lan', /under \.lan/],
    ['router.home.arpa', /under \.arpa/],
    ['1.0.0.127.in-addr.arpa', /under \.arpa/],
    ['www.gantry.test', /under \.test/],
    ['www.example', /under \.example/],
    ['x.invalid', /under \.invalid/],
    ['abcdefghijklmnop.onion', /under \.onion/],
    // the platform's own names
    ['apps.gantry.example.com', /belong to apps by name/],
    ['shop.apps.gantry.example.com', /belong to apps by name/],
    ['Gantry.Example.com', /API and dashboard host/],
    // public suffix
    ['foo.notatld', /not a public suffix/],
    ['co.uk', /public suffix itself/],
    ['com', /single label/],
    // syntax
    ['', /empty/],
    ['   ', /empty/],
    ['*.example.com', /wildcard/],
    ['example.com:8080', /contains ":"/],
    ['http://example.com', /contains ":"/],
    ['-a.example.com', /not a hostname/],
    ['a..example.com', /not a hostname/],
    ['a_b.example.com', /not a hostname/],
    ['not a hostname', /not a hostname/],
    [`${'a'.repeat(64)}.com`, /not a hostname/],
    [`${'a.'.repeat(127)}com`, /not a hostname/],
  ] as const)('refuses %j (%s)', (input, reason) => {
    expect(customDomainProblem(input, platform)).toMatch(reason);
    expect(() => checkCustomDomain(input, platform)).toThrow(/cannot be a custom domain: it /);
  });

  it('refuses names under the default apps domain localhost and the bare apps domain', () => {
    expect(customDomainProblem('shop.localhost', { appsDomain: 'localhost' })).toMatch(/belong to apps by name/);
    expect(customDomainProblem('example.com', { appsDomain: 'example.com' })).toMatch(/belong to apps by name/);
  });

  it('normalises a name and refuses junk in its syntax', () => {
    expect(checkCustomDomain('WWW.Example.com.', { appsDomain: 'apps.test' })).toBe('www.example.com');
    for (const bad of ['localhost', '-a.example.com', 'a..b', '*.example.com', 'a_b.example.com', `${'a'.repeat(64)}.com`]) {
      expect(() => checkCustomDomain(bad, { appsDomain: 'apps.test' })).toThrow(/cannot be a custom domain/);
    }
  });

  it('reports the rule as an invalid_input error', () => {
    try {
      checkCustomDomain('127.1', platform);
      expect.unreachable();
    } catch (err) {
      expect((err as { id: string }).id).toBe('invalid_input');
      expect((err as Error).message).toBe('"127.1" cannot be a custom domain: it is an IP address (a name ending in a number is read as IPv4, e.g. 127.1 or 2130706433): a custom domain must be a DNS name.');
    }
  });
});
