import { describe, expect, it } from 'vitest';
import { cidrsOverlap } from './network';
import { IFNAME_MAX, bridgeNetnsName, defaultSubnet, hostMac, hostSuffix, isLabNetns, labPlan, rootVethName, validatePrefix } from './plan';

describe('lab plan', () => {
  it('names hosts a..z, aa, ab ...', () => {
    expect([0, 1, 25, 26, 27, 51, 52, 701, 702].map(hostSuffix)).toEqual(['a', 'b', 'z', 'aa', 'ab', 'az', 'ba', 'zz', 'aaa']);
  });

  it.each(['lab', 'a', 'it-lab', 'bench2', 'a2345678901234567890'])('accepts prefix %s', (p) => expect(() => validatePrefix(p)).not.toThrow());
  it.each(['', 'Lab', '1ab', 'lab-', '-lab', 'a_b', 'a.b', 'a b', 'a--b', 'a23456789012345678901', 'lab/x'])('refuses prefix "%s"', (p) =>
    expect(() => validatePrefix(p)).toThrow(/Invalid lab prefix/),
  );

  it('lays out a lab of 3', () => {
    const plan = labPlan({ prefix: 'lab', count: 3, subnet: 97 });
    expect(plan.cidr).toBe('10.97.0.0/24');
    expect(plan.gateway).toBe('10.97.0.1');
    expect(plan.bridgeNetns).toBe('glab.lab');
    expect(plan.rootVeth).toBe('gl-lab');
    expect(plan.hosts.map((h) => [h.name, h.netns, h.address, h.dockerUrl, h.bip, h.bridgePort])).toEqual([
      ['lab-a', 'glab.lab.a', '10.97.0.2', 'tcp://10.97.0.2:2375', '10.97.1.1/24', 'p-a'],
      ['lab-b', 'glab.lab.b', '10.97.0.3', 'tcp://10.97.0.3:2375', '10.97.2.1/24', 'p-b'],
      ['lab-c', 'glab.lab.c', '10.97.0.4', 'tcp://10.97.0.4:2375', '10.97.3.1/24', 'p-c'],
    ]);
    const a = plan.hosts[0]!;
    expect(a.dataRoot).toBe('/var/lib/gantry-lab/lab/a/data');
    expect(a.execRoot).toBe('/run/gantry-lab/lab/a/exec');
    expect(a.pidFile).toBe('/run/gantry-lab/lab/a/dockerd.pid');
    expect(a.socket).toBe('/run/gantry-lab/lab/a/docker.sock');
    expect(a.keyFile).toBe('/var/lib/gantry-lab/lab/a/key.json');
    expect(a.cgroupParent).toBe('/gantry-lab/lab/a');
  });

  it('places the hosts from a first address octet, and refuses one that does not fit', () => {
    const p = labPlan({ prefix: 't1', count: 3, subnet: 97, firstHost: 40 });
    expect(p.hosts.map((h) => h.address)).toEqual(['10.97.0.40', '10.97.0.41', '10.97.0.42']);
    expect(p.hosts[1]!.dockerUrl).toBe('tcp://10.97.0.41:2375');
    expect(() => labPlan({ prefix: 't1', count: 3, firstHost: 249 })).toThrow(/first address octet must be 2..248/);
    expect(() => labPlan({ prefix: 't1', count: 1, firstHost: 1 })).toThrow(/first address octet/);
  });

  it('keeps interface names within 15 characters, distinct per prefix', () => {
    const prefixes = ['a', 'lab', 'abcdefghijkl', 'abcdefghijklm', 'a2345678901234567890', 'a2345678901234567891'];
    const roots = prefixes.map(rootVethName);
    for (const r of roots) expect(r.length).toBeLessThanOrEqual(IFNAME_MAX);
    expect(new Set(roots).size).toBe(prefixes.length);
    expect(rootVethName('abcdefghijkl')).toBe('gl-abcdefghijkl');
    expect(rootVethName('abcdefghijklm')).toMatch(/^gh-[0-9a-f]{12}$/);
    const big = labPlan({ prefix: 'a2345678901234567890', count: 100, subnet: 50 });
    for (const h of big.hosts) expect(h.bridgePort.length).toBeLessThanOrEqual(IFNAME_MAX);
    expect(new Set(big.hosts.map((h) => h.bridgePort)).size).toBe(100);
  });

  it('gives every host its own bip, clear of 172.17.0.0/16, the lab network and the user-network pool', () => {
    const plan = labPlan({ prefix: 'lab', count: 100, subnet: 172 });
    const bips = plan.hosts.map((h) => h.bip);
    for (const [i, bip] of bips.entries()) {
      expect(cidrsOverlap(bip, '172.17.0.0/16')).toBe(false);
      expect(cidrsOverlap(bip, plan.cidr)).toBe(false);
      expect(cidrsOverlap(bip, plan.addressPool.base)).toBe(false);
      for (const other of bips.slice(i + 1)) expect(cidrsOverlap(bip, other)).toBe(false);
    }
    expect(cidrsOverlap(plan.addressPool.base, '172.17.0.0/16')).toBe(false);
    expect(new Set(plan.hosts.map((h) => h.address)).size).toBe(100);
    expect(new Set(plan.hosts.map((h) => h.mac)).size).toBe(100);
  });

  it('derives a stable default subnet from the prefix', () => {
    expect(defaultSubnet('lab')).toBe(defaultSubnet('lab'));
    expect(labPlan({ prefix: 'lab', count: 1 }).subnet).toBe(defaultSubnet('lab'));
    for (const p of ['lab', 'it-lab', 'bench', 'x', 'y', 'z']) {
      expect(defaultSubnet(p)).toBeGreaterThanOrEqual(32);
      expect(defaultSubnet(p)).toBeLessThanOrEqual(223);
    }
  });

  it('refuses bad counts and subnets', () => {
    expect(() => labPlan({ prefix: 'lab', count: 0 })).toThrow(/count/);
    expect(() => labPlan({ prefix: 'lab', count: 101 })).toThrow(/count/);
    expect(() => labPlan({ prefix: 'lab', count: 1.5 })).toThrow(/count/);
    expect(() => labPlan({ prefix: 'lab', count: 1, subnet: 0 })).toThrow(/subnet/);
    expect(() => labPlan({ prefix: 'lab', count: 1, subnet: 255 })).toThrow(/subnet/);
  });

  it('gives fixed, locally administered unicast MACs', () => {
    expect(hostMac(97, 0)).toBe('02:67:6c:61:00:00');
    expect(hostMac(97, 258)).toBe('02:67:6c:61:01:02');
  });

  it("recognises only its own prefix's namespaces", () => {
    expect(isLabNetns('lab', bridgeNetnsName('lab'))).toBe(true);
    expect(isLabNetns('lab', 'glab.lab.a')).toBe(true);
    expect(isLabNetns('lab', 'glab.lab.aa')).toBe(true);
    expect(isLabNetns('lab', 'glab.lab-x')).toBe(false);
    expect(isLabNetns('lab', 'glab.lab-x.a')).toBe(false);
    expect(isLabNetns('lab', 'glab.lab.a.b')).toBe(false);
    expect(isLabNetns('lab', 'glab.lab2.a')).toBe(false);
    expect(isLabNetns('lab', 'lab')).toBe(false);
  });
});
