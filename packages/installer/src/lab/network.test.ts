import { describe, expect, it } from 'vitest';
import { bridgeCommands, cidrsOverlap, conflictingRoutes, hostNetworkCommands } from './network';
import { labPlan } from './plan';

const plan = labPlan({ prefix: 'lab', count: 2, subnet: 97 });

describe('lab network', () => {
  it('builds the bridge namespace and the root veth', () => {
    expect(bridgeCommands(plan)).toEqual([
      ['ip', 'netns', 'add', 'glab.lab'],
      ['ip', '-n', 'glab.lab', 'link', 'set', 'lo', 'up'],
      ['ip', '-n', 'glab.lab', 'link', 'add', 'br0', 'type', 'bridge'],
      ['ip', '-n', 'glab.lab', 'link', 'set', 'br0', 'up'],
      ['ip', 'link', 'add', 'gl-lab', 'type', 'veth', 'peer', 'name', 'up0', 'netns', 'glab.lab'],
      ['ip', '-n', 'glab.lab', 'link', 'set', 'up0', 'master', 'br0', 'up'],
      ['ip', 'addr', 'add', '10.97.0.1/24', 'dev', 'gl-lab'],
      ['ip', 'link', 'set', 'gl-lab', 'up'],
    ]);
  });

  it("plugs a host's namespace into the bridge, with a fixed MAC and the root as gateway", () => {
    expect(hostNetworkCommands(plan, plan.hosts[1]!)).toEqual([
      ['ip', 'netns', 'add', 'glab.lab.b'],
      ['ip', '-n', 'glab.lab', 'link', 'add', 'p-b', 'type', 'veth', 'peer', 'name', 'eth0', 'address', '02:67:6c:61:00:01', 'netns', 'glab.lab.b'],
      ['ip', '-n', 'glab.lab', 'link', 'set', 'p-b', 'master', 'br0', 'up'],
      ['ip', '-n', 'glab.lab.b', 'link', 'set', 'lo', 'up'],
      ['ip', '-n', 'glab.lab.b', 'addr', 'add', '10.97.0.3/24', 'dev', 'eth0'],
      ['ip', '-n', 'glab.lab.b', 'link', 'set', 'eth0', 'up'],
      ['ip', '-n', 'glab.lab.b', 'route', 'add', 'default', 'via', '10.97.0.1'],
    ]);
  });

  it('compares CIDRs', () => {
    expect(cidrsOverlap('10.97.0.0/24', '10.97.0.0/16')).toBe(true);
    expect(cidrsOverlap('10.97.0.0/24', '10.97.1.0/24')).toBe(false);
    expect(cidrsOverlap('10.97.0.5', '10.97.0.0/24')).toBe(true);
    expect(cidrsOverlap('0.0.0.0/0', '10.97.0.0/24')).toBe(true);
    expect(cidrsOverlap('172.17.0.0/16', '10.97.0.0/24')).toBe(false);
  });

  it('finds routes that clash with the lab network, ignoring the default route and its own veth', () => {
    const routes = [
      { dst: 'default', dev: 'eth0' },
      { dst: '172.17.0.0/16', dev: 'docker0' },
      { dst: '10.97.0.0/24', dev: 'gl-lab' },
      { dst: '10.96.0.0/15', dev: 'wg0' },
      { dst: '10.98.0.0/24', dev: 'gl-other' },
    ];
    expect(conflictingRoutes(routes, plan.cidr, plan.rootVeth)).toEqual([{ dst: '10.96.0.0/15', dev: 'wg0' }]);
  });
});
