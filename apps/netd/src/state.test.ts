import { describe, expect, it } from 'vitest';
import { isInternalName, parseState } from './state';

const good = {
  version: 3,
  clients: { '172.30.0.2': 'team-a' },
  zones: { 'team-a': { 'web.shop.internal': [{ ip: '10.1.0.2', host: 'h1' }], 'web.1.shop.internal': [] } },
  peers: { h1: '10.0.0.1:7079', h2: 'host-b.lan:7079' },
};

describe('parseState', () => {
  it('accepts a valid state as it is', () => {
    expect(parseState(good)).toEqual(good);
  });

  const bad: [string, unknown, RegExp][] = [
    ['not an object', [], /state: must be an object/],
    ['a negative version', { ...good, version: -1 }, /version/],
    ['a fractional version', { ...good, version: 1.5 }, /version/],
    ['no clients', { ...good, clients: undefined }, /clients: must be an object/],
    ['a client key that is not IPv4', { ...good, clients: { 'fe80::1': 't' } }, /clients\["fe80::1"\]: key must be an IPv4/],
    ['an empty team', { ...good, clients: { '172.30.0.2': '' } }, /non-empty/],
    ['an uppercase name', { ...good, zones: { t: { 'Web.internal': [] } } }, /lowercase/],
    ['a trailing dot', { ...good, zones: { t: { 'web.internal.': [] } } }, /trailing dot/],
    ['a name outside .internal', { ...good, zones: { t: { 'web.example.com': [] } } }, /end in \.internal/],
    ['records that are not an array', { ...good, zones: { t: { 'web.internal': {} } } }, /must be an array/],
    ['a record with a bad ip', { ...good, zones: { t: { 'web.internal': [{ ip: '10.0.0.256', host: 'h' }] } } }, /\[0\]\.ip: must be an IPv4/],
    ['a record without a host', { ...good, zones: { t: { 'web.internal': [{ ip: '10.0.0.1' }] } } }, /\[0\]\.host/],
    ['a peer without a port', { ...good, peers: { h1: '10.0.0.1' } }, /peers\["h1"\]: must be "address:port"/],
    ['a peer with port 0', { ...good, peers: { h1: '10.0.0.1:0' } }, /address:port/],
  ];
  it.each(bad)('refuses %s, naming the field', (_, body, message) => {
    expect(() => parseState(body)).toThrow(message);
  });
});

describe('isInternalName', () => {
  it.each([
    ['web.shop.internal', true],
    ['shop.internal', true],
    ['web.1.shop.internal', true],
    ['internal', false],
    ['-web.internal', false],
    ['web..internal', false],
    [`${'a'.repeat(64)}.internal`, false],
  ])('%s -> %s', (name, ok) => expect(isInternalName(name)).toBe(ok));
});
