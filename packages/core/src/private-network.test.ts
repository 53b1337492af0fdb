import { describe, expect, it } from 'vitest';
import { dynamicRange, freeSubnets, instanceName, internalRecords, intToIp, ipToInt, randomStaticAddress, staticRange, teamNetworkName } from './private-network';

describe('private network addressing', () => {
  it('converts addresses to integers and back', () => {
    expect(ipToInt('100.64.16.1')).toBe(100 * 2 ** 24 + 64 * 2 ** 16 + 16 * 256 + 1);
    expect(intToIp(ipToInt('10.255.0.254'))).toBe('10.255.0.254');
    expect(() => ipToInt('1.2.3')).toThrow(/IPv4/);
    expect(() => ipToInt('1.2.3.256')).toThrow(/IPv4/);
  });

  it('hands out /20 team subnets of the pool that no network uses', () => {
    expect(freeSubnets('100.64.0.0/10', []).slice(0, 2)).toEqual(['100.64.0.0/20', '100.64.16.0/20']);
    // The ingress network of the pool and a team network take their /20s.
    expect(freeSubnets('100.64.0.0/10', ['100.64.0.0/24', '100.64.16.0/20', '10.0.0.0/8'])[0]).toBe('100.64.32.0/20');
    expect(freeSubnets('100.64.0.0/10', []).length).toBe(1024);
    expect(freeSubnets('100.64.0.0/20', ['100.64.0.0/16'])).toEqual([]);
  });

  it('keeps the first /24 for Docker and gives static addresses from the rest', () => {
    expect(dynamicRange('100.64.16.0/20')).toBe('100.64.16.0/24');
    const r = staticRange('100.64.16.0/20');
    expect(intToIp(r.first)).toBe('100.64.17.0');
    expect(intToIp(r.last)).toBe('100.64.31.254');
    expect(randomStaticAddress('100.64.16.0/20', () => 0)).toBe('100.64.17.0');
    expect(randomStaticAddress('100.64.16.0/20', () => 0.999999999)).toBe('100.64.31.254');
  });

  it('names team networks per installation', () => {
    expect(teamNetworkName('main', 't1')).toBe('gantry-main-team-t1');
  });
});

describe('internal names', () => {
  it('gives each type its name, the web type the app name, and each instance its own', () => {
    const records = internalRecords('shop', [
      { type: 'worker', index: 1, privateIp: '100.64.17.9', hostId: 'h2' },
      { type: 'web', index: 2, privateIp: '100.64.17.3', hostId: 'h2' },
      { type: 'web', index: 1, privateIp: '100.64.17.2', hostId: 'h1' },
    ]);
    expect(records['web.shop.internal']).toEqual([
      { ip: '100.64.17.2', host: 'h1' },
      { ip: '100.64.17.3', host: 'h2' },
    ]);
    expect(records['shop.internal']).toEqual(records['web.shop.internal']);
    expect(records['worker.shop.internal']).toEqual([{ ip: '100.64.17.9', host: 'h2' }]);
    expect(records['web.2.shop.internal']).toEqual([{ ip: '100.64.17.3', host: 'h2' }]);
    expect(instanceName('Web', 1, 'Shop')).toBe('web.1.shop.internal');
  });

  it("names only an HA add-on's leader by the add-on's name, and nothing while it has none", () => {
    const up = [
      { type: 'pg1', index: 1, privateIp: '100.64.17.2', hostId: 'h1' },
      { type: 'pg2', index: 1, privateIp: '100.64.17.3', hostId: 'h2' },
      { type: 'etcd', index: 1, privateIp: '100.64.17.4', hostId: 'h3' },
    ];
    expect(internalRecords('postgres-x', up, 'pg1', 'pg2.1')['postgres-x.internal']).toEqual([{ ip: '100.64.17.3', host: 'h2' }]);
    const none = internalRecords('postgres-x', up, 'pg1', null);
    expect(none['postgres-x.internal']).toBeUndefined();
    expect(none['pg1.1.postgres-x.internal']).toEqual([{ ip: '100.64.17.2', host: 'h1' }]);
  });

  it('has no names for an app with nothing up', () => {
    expect(internalRecords('shop', [])).toEqual({});
  });
});
