import { describe, expect, it } from 'vitest';
import { netdContainerSpec, netdEnv, type NetdOptions } from './netd';

const opts: NetdOptions = {
  installation: 'main',
  hostId: 'h1',
  image: 'gantry/netd:0123456789abcdef',
  dnsIp: '172.30.0.1',
  controlAddress: '10.0.0.5',
  controlPort: 7079,
  token: 't'.repeat(32),
};

describe('netd container spec', () => {
  it('passes the settings as environment, upstream and port only when given', () => {
    expect(netdEnv(opts)).toEqual({ NETD_DNS: '172.30.0.1', NETD_CONTROL: '10.0.0.5:7079', NETD_TOKEN: 't'.repeat(32), NETD_HOST: 'h1' });
    expect(netdEnv({ ...opts, upstream: ['1.1.1.1', '9.9.9.9:53'], dnsPort: 5300 })).toMatchObject({ NETD_UPSTREAM: '1.1.1.1,9.9.9.9:53', NETD_DNS_PORT: '5300' });
  });

  it('runs on the host network, always restarted, with an init and only the bind capability', () => {
    const spec = netdContainerSpec(opts);
    expect(spec.name).toBe('gantry-main-netd');
    expect(spec.Labels).toMatchObject({ 'gantry.instance': 'main', 'gantry.role': 'netd' });
    expect(spec.HostConfig).toMatchObject({ NetworkMode: 'host', RestartPolicy: { Name: 'always' }, Init: true, CapDrop: ['ALL'], CapAdd: ['NET_BIND_SERVICE'] });
  });

  it('labels the spec with a digest that changes with the image or any setting, and only then', () => {
    const label = (o: NetdOptions) => netdContainerSpec(o).Labels!['gantry.netd.spec'];
    expect(label({ ...opts })).toBe(label(opts));
    const variants = [{ image: 'gantry/netd:ffff' }, { token: 'u'.repeat(32) }, { dnsIp: '172.30.0.9' }, { controlPort: 7080 }, { hostId: 'h2' }, { upstream: ['1.1.1.1'] }];
    for (const v of variants) expect(label({ ...opts, ...v })).not.toBe(label(opts));
    expect(label(opts)).not.toContain(opts.token);
  });
});
