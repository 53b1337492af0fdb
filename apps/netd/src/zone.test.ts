import { describe, expect, it } from 'vitest';
import type { NetdState } from './state';
import { Zones, normalizeName } from './zone';

const state = (version = 1): NetdState => ({
  version,
  clients: { '172.30.0.2': 'team-a', '172.30.0.3': 'team-b' },
  zones: {
    'team-a': {
      'web.shop.internal': [
        { ip: '10.1.0.2', host: 'h1' },
        { ip: '10.1.0.3', host: 'h2' },
        { ip: '10.1.0.4', host: 'h1' },
      ],
      'shop.internal': [{ ip: '10.1.0.2', host: 'h1' }],
      'worker.shop.internal': [],
    },
    'team-b': { 'web.other.internal': [{ ip: '10.2.0.2', host: 'h1' }] },
  },
  peers: {},
});
const none = new Set<string>();

describe('Zones.lookup', () => {
  it('rotates the records of a name on each answer', () => {
    const z = new Zones(state());
    const answers = [0, 1, 2, 3].map(() => z.lookup('172.30.0.2', 'web.shop.internal', none));
    expect(answers).toEqual([
      { kind: 'records', ips: ['10.1.0.2', '10.1.0.3', '10.1.0.4'] },
      { kind: 'records', ips: ['10.1.0.3', '10.1.0.4', '10.1.0.2'] },
      { kind: 'records', ips: ['10.1.0.4', '10.1.0.2', '10.1.0.3'] },
      { kind: 'records', ips: ['10.1.0.2', '10.1.0.3', '10.1.0.4'] },
    ]);
  });

  it('matches names case-insensitively, with or without a trailing dot', () => {
    const z = new Zones(state());
    expect(z.lookup('172.30.0.2', 'SHOP.Internal.', none)).toEqual({ kind: 'records', ips: ['10.1.0.2'] });
    expect(normalizeName('A.B.')).toBe('a.b');
  });

  it('leaves out records on hosts that are down', () => {
    const z = new Zones(state());
    expect(z.lookup('172.30.0.2', 'web.shop.internal', new Set(['h1']))).toEqual({ kind: 'records', ips: ['10.1.0.3'] });
    expect(z.lookup('172.30.0.2', 'shop.internal', new Set(['h1']))).toEqual({ kind: 'records', ips: [] });
  });

  it('answers an existing name with no records as existing (NODATA), not NXDOMAIN', () => {
    expect(new Zones(state()).lookup('172.30.0.2', 'worker.shop.internal', none)).toEqual({ kind: 'records', ips: [] });
  });

  const hidden: [string, string, string][] = [
    ['another team', '172.30.0.3', 'web.shop.internal'],
    ['a stranger', '172.30.0.99', 'web.shop.internal'],
    ['an unknown name', '172.30.0.2', 'db.shop.internal'],
    ['the bare suffix', '172.30.0.2', 'internal'],
    ['an inherited property name', '172.30.0.2', 'constructor.internal'],
    ['a client named like a property', 'constructor', 'web.shop.internal'],
  ];
  it.each(hidden)('gives NXDOMAIN to %s', (_, client, name) => {
    expect(new Zones(state()).lookup(client, name, none)).toEqual({ kind: 'nxdomain' });
  });

  it('forwards names that are not private', () => {
    const z = new Zones(state());
    expect(z.lookup('172.30.0.2', 'example.com', none)).toEqual({ kind: 'forward' });
    expect(z.lookup('172.30.0.2', 'internal.example.com', none)).toEqual({ kind: 'forward' });
    expect(z.lookup('172.30.0.99', 'example.com', none)).toEqual({ kind: 'forward' });
  });
});

describe('Zones.replace', () => {
  it('ignores an older version and takes an equal or newer one', () => {
    const z = new Zones(state(5));
    expect(z.replace({ ...state(4), zones: {} })).toBe(false);
    expect(z.lookup('172.30.0.2', 'shop.internal', none).kind).toBe('records');
    expect(z.replace({ ...state(5), zones: {} })).toBe(true);
    expect(z.lookup('172.30.0.2', 'shop.internal', none).kind).toBe('nxdomain');
    expect(z.version).toBe(5);
  });
});

describe('Zones.waitForClient', () => {
  it('wakes a querier once a state names it, and gives up after the wait', async () => {
    const z = new Zones(state(1));
    expect(await z.waitForClient('172.30.0.2', 10)).toBe(true);
    const waiting = z.waitForClient('172.30.0.9', 2000);
    z.replace({ ...state(2), clients: { ...state(2).clients, '172.30.0.9': 'team-a' } });
    expect(await waiting).toBe(true);
    expect(z.lookup('172.30.0.9', 'shop.internal', none).kind).toBe('records');
    const started = Date.now();
    expect(await z.waitForClient('172.30.0.10', 50)).toBe(false);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
  });
});
