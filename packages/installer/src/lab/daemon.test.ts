import { describe, expect, it } from 'vitest';
import { daemonConfig, dockerdArgv, launchArgv } from './daemon';
import { labPlan } from './plan';

const plan = labPlan({ prefix: 'lab', count: 2, subnet: 97 });
const host = plan.hosts[1]!;

/** Value following a flag in an argv. */
const flag = (argv: readonly string[], name: string) => argv.filter((_, i) => argv[i - 1] === name);

describe('lab dockerd', () => {
  it('gives each daemon its own roots, sockets, subnet, cgroup parent and config', () => {
    const argv = dockerdArgv(host);
    expect(argv[0]).toBe('/usr/sbin/dockerd');
    expect(flag(argv, '--data-root')).toEqual(['/var/lib/gantry-lab/lab/b/data']);
    expect(flag(argv, '--exec-root')).toEqual(['/run/gantry-lab/lab/b/exec']);
    expect(flag(argv, '--pidfile')).toEqual(['/run/gantry-lab/lab/b/dockerd.pid']);
    expect(flag(argv, '--config-file')).toEqual(['/var/lib/gantry-lab/lab/b/daemon.json']);
    expect(flag(argv, '-H')).toEqual(['unix:///run/gantry-lab/lab/b/docker.sock', 'tcp://10.97.0.3:2375']);
    expect(flag(argv, '--bip')).toEqual(['10.97.2.1/24']);
    expect(flag(argv, '--cgroup-parent')).toEqual(['/gantry-lab/lab/b']);
    expect(argv).toContain('--tls=false');
    expect(argv).toContain('--iptables=true');
  });

  it('listens with mutual TLS on 2376 in a lab with TLS, with the lab CA and its own server certificate', () => {
    const tlsHost = labPlan({ prefix: 'lab', count: 2, subnet: 97, tls: true }).hosts[1]!;
    expect(tlsHost.dockerUrl).toBe('tcp://10.97.0.3:2376');
    const argv = dockerdArgv(tlsHost);
    expect(flag(argv, '-H')).toEqual(['unix:///run/gantry-lab/lab/b/docker.sock', 'tcp://10.97.0.3:2376']);
    expect(argv).toContain('--tlsverify');
    expect(argv).not.toContain('--tls=false');
    expect(flag(argv, '--tlscacert')).toEqual(['/var/lib/gantry-lab/lab/tls/ca.pem']);
    expect(flag(argv, '--tlscert')).toEqual(['/var/lib/gantry-lab/lab/tls/b-cert.pem']);
    expect(flag(argv, '--tlskey')).toEqual(['/var/lib/gantry-lab/lab/tls/b-key.pem']);
  });

  it('differs between hosts in everything that must be distinct', () => {
    const [a, b] = plan.hosts.map((h) => dockerdArgv(h));
    for (const f of ['--data-root', '--exec-root', '--pidfile', '--config-file', '-H', '--bip', '--cgroup-parent']) {
      expect(flag(a!, f)).not.toEqual(flag(b!, f));
    }
  });

  it('writes its own key path in the config, and nothing the flags already set', () => {
    const config = daemonConfig(plan, host);
    expect(config['deprecated-key-path']).toBe('/var/lib/gantry-lab/lab/b/key.json');
    expect(config['default-address-pools']).toEqual([{ base: '10.97.128.0/17', size: 24 }]);
    for (const key of ['bip', 'hosts', 'data-root', 'exec-root', 'pidfile', 'cgroup-parent', 'tls', 'iptables']) expect(config).not.toHaveProperty(key);
  });

  it('enters the namespace with nsenter and sets the hostname in a UTS namespace of its own', () => {
    const argv = launchArgv(host);
    expect(argv.slice(0, 6)).toEqual(['nsenter', '--net=/run/netns/glab.lab.b', '--', 'unshare', '--uts', '--']);
    expect(argv.slice(6, 11)).toEqual(['sh', '-c', 'hostname "$1" && shift && exec "$@"', 'gantry-lab', 'lab-b']);
    expect(argv.slice(11)).toEqual([...dockerdArgv(host)]);
    expect(argv).not.toContain('ip');
  });
});
