import { describe, expect, it } from 'vitest';
import { DestinationRefused } from '../errors';
import { formatCidr, formatIp, parseCidr, parseIp } from './ip';
import { resolveAllowed } from './lookup';
import { checkAddress, DEFAULT_POLICY, refusalMessage, type EgressPolicy } from './policy';

describe('parseIp: every notation of one address', () => {
  it.each([
    ['127.0.0.1', '127.0.0.1'],
    ['2130706433', '127.0.0.1'],
    ['0177.0.0.1', '127.0.0.1'],
    ['0x7f.1', '127.0.0.1'],
    ['0x7F000001', '127.0.0.1'],
    ['127.1', '127.0.0.1'],
    ['127.0.1', '127.0.0.1'],
    ['017700000001', '127.0.0.1'],
    ['127.0.0.1.', '127.0.0.1'],
    ['0', '0.0.0.0'],
    ['0x', '0.0.0.0'],
    ['10.0x0.0.05', '10.0.0.5'],
    ['169.254.43518', '169.254.169.254'],
    ['[::1]', '::1'],
    ['::ffff:127.0.0.1', '::ffff:7f00:1'],
    ['::FFFF:7F00:1', '::ffff:7f00:1'],
    ['fe80::1%eth0', 'fe80::1'],
    ['[fe80::1%25eth0]', 'fe80::1'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['64:ff9b::10.0.0.1', '64:ff9b::a00:1'],
  ])('%s is %s', (text, canonical) => {
    const ip = parseIp(text);
    expect(ip, text).not.toBeNull();
    expect(formatIp(ip!)).toBe(canonical);
  });

  it.each(['localhost', 'example.com', '08.0.0.1', '1.2.3.4.5', '256.1.1.1', '1.16777216', '4294967296', '0x100000000', '1::2::3', ':::', '::1%', '::1.2.3', '::256.1.1.1', '1:2:3:4:5:6:7:8:9', 'g::1', '', '1..1'])(
    '%j is not an IP literal',
    (text) => expect(parseIp(text)).toBeNull(),
  );
});

describe('parseCidr: admin input, strict', () => {
  it.each([
    ['10.0.0.0/8', '10.0.0.0/8'],
    ['10.1.2.3/8', '10.0.0.0/8'],
    ['10.0.0.5', '10.0.0.5/32'],
    ['fd00::/8', 'fd00::/8'],
  ])('%s', (text, out) => {
    expect(formatCidr(parseCidr(text)!)).toBe(out);
  });
  it.each(['10/8', '0x0a.0.0.0/8', '10.0.0.0/33', '::/129', '10.0.0.0/8/1', 'fe80::1%eth0/64', '10.0.0.0/', 'x'])('refuses %j', (text) => expect(parseCidr(text)).toBeNull());
});

describe('checkAddress: the default policy', () => {
  it.each([
    // IPv4, every notation, every special range
    ['127.0.0.1', 'loopback'],
    ['2130706433', 'loopback'],
    ['0177.0.0.1', 'loopback'],
    ['0x7f.1', 'loopback'],
    ['127.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.0.0.5', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.1.1', 'link-local'],
    ['100.64.0.1', 'cgnat'],
    ['100.127.255.255', 'cgnat'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['0.0.0.0', 'unspecified'],
    ['0', 'unspecified'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved'],
    ['192.0.2.10', 'documentation'],
    ['198.18.0.1', 'benchmark'],
    ['169.254.169.254', 'metadata'],
    ['169.254.43518', 'metadata'],
    ['0xa9fea9fe', 'metadata'],
    ['169.254.170.2', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['192.0.0.192', 'metadata'],
    // IPv6
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1%eth0', 'link-local'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['fec0::1', 'private'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'documentation'],
    ['fd00:ec2::254', 'metadata'],
    ['100::1', 'reserved'],
    ['4000::1', 'reserved'],
    // IPv4 inside IPv6
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['[::ffff:10.0.0.1]', 'private'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['::ffff:0:7f00:1', 'loopback'],
    ['::127.0.0.1', 'loopback'],
    ['::a00:1', 'private'],
    ['64:ff9b::127.0.0.1', 'loopback'],
    ['64:ff9b::a9fe:a9fe', 'metadata'],
    ['64:ff9b:1::a00:1', 'private'],
    ['2002:7f00:1::', 'loopback'],
    ['2002:a00:1::1', 'private'],
    ['2002:a9fe:a9fe::', 'metadata'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'reserved'], // Teredo
  ])('%s is refused as %s', (address, reason) => {
    const v = checkAddress(DEFAULT_POLICY, address);
    expect(v.allowed, address).toBe(false);
    if (!v.allowed) expect(v.reason).toBe(reason);
  });

  it.each(['8.8.8.8', '1.1.1.1', '93.184.216.34', '100.63.255.255', '100.128.0.0', '172.15.255.255', '172.32.0.0', '192.169.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', '64:ff9b::8.8.8.8', '2002:808:808::1'])(
    '%s is public',
    (address) => expect(checkAddress(DEFAULT_POLICY, address).allowed, address).toBe(true),
  );

  it('refuses what is not an address', () => {
    expect(checkAddress(DEFAULT_POLICY, 'example.com')).toMatchObject({ allowed: false, reason: 'invalid' });
  });
});

describe('checkAddress: an admin allow list and the cluster hosts', () => {
  const policy: EgressPolicy = {
    allow: ['10.0.0.0/8', '127.0.0.1/32', '169.254.0.0/16', '192.168.5.7'].map((t) => parseCidr(t)!),
    clusterHosts: [
      { name: 'worker-1', ip: parseIp('10.0.0.2')! },
      { name: 'local', ip: parseIp('192.168.5.7')! },
      { name: 'public-1', ip: parseIp('203.0.114.9')! },
    ],
  };

  it.each([
    ['10.0.0.5', true, undefined],
    ['::ffff:10.0.0.5', true, undefined],
    ['127.0.0.1', true, undefined],
    ['127.0.0.2', false, 'loopback'],
    ['172.16.0.1', false, 'private'],
    // metadata stays refused inside an allowed range
    ['169.254.169.254', false, 'metadata'],
    ['169.254.1.1', true, undefined],
    // a Gantry host: allowed only one by one, not by a range that contains it
    ['10.0.0.2', false, 'cluster-host'],
    ['::ffff:10.0.0.2', false, 'cluster-host'],
    ['192.168.5.7', true, undefined],
    ['203.0.114.9', false, 'cluster-host'],
  ])('%s: allowed %s', (address, allowed, reason) => {
    const v = checkAddress(policy, address);
    expect(v.allowed, address).toBe(allowed);
    if (!v.allowed) expect(v.reason).toBe(reason);
  });

  it('says why, and how an admin allows it', () => {
    const v = checkAddress(DEFAULT_POLICY, '10.0.0.5');
    if (v.allowed) throw new Error('allowed');
    expect(refusalMessage('drain destination', v)).toBe(
      'drain destination 10.0.0.5 is a private address (10.0.0.0/8); only public addresses are allowed. An admin can allow the range with `gantry settings:set egress.allow=10.0.0.0/8` (the setting lists every allowed range, comma-separated).',
    );
    const m = checkAddress(DEFAULT_POLICY, '::ffff:169.254.169.254');
    if (m.allowed) throw new Error('allowed');
    expect(refusalMessage('drain destination', m, 'meta.example')).toBe(
      'drain destination meta.example (::ffff:a9fe:a9fe) is an IPv6 address carrying 169.254.169.254, which is a cloud metadata address; it is never allowed.',
    );
    const h = checkAddress(policy, '10.0.0.2');
    if (h.allowed) throw new Error('allowed');
    expect(refusalMessage('buildpack URL host', h)).toContain('the address of a Gantry host (worker-1); an admin can allow that one address with `gantry settings:set egress.allow=10.0.0.2/32`');
  });
});

describe('resolveAllowed: the addresses a name resolves to', () => {
  const resolver = (table: Record<string, string[]>) => (host: string, _o: unknown, cb: (err: NodeJS.ErrnoException | null, a: { address: string; family: number }[]) => void) =>
    cb(null, (table[host] ?? []).map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));

  it('refuses a name when any of its addresses is refused', async () => {
    const r = resolver({ 'mixed.example': ['93.184.216.34', '10.0.0.1'], 'ok.example': ['93.184.216.34', '2606:4700::1'] });
    await expect(resolveAllowed(DEFAULT_POLICY, 'mixed.example', 'drain destination', r)).rejects.toThrow(
      /^drain destination mixed\.example \(10\.0\.0\.1\) is a private address/,
    );
    await expect(resolveAllowed(DEFAULT_POLICY, 'mixed.example', 'x', r)).rejects.toBeInstanceOf(DestinationRefused);
    expect((await resolveAllowed(DEFAULT_POLICY, 'ok.example', 'x', r)).map((a) => a.address)).toEqual(['93.184.216.34', '2606:4700::1']);
  });

  it('checks literals without resolving, in any notation', async () => {
    const never = () => {
      throw new Error('resolved a literal');
    };
    await expect(resolveAllowed(DEFAULT_POLICY, '0x7f.1', 'x', never)).rejects.toMatchObject({ id: 'destination_refused', details: { reason: 'loopback', address: '127.0.0.1' } });
    await expect(resolveAllowed(DEFAULT_POLICY, '[::1]', 'x', never)).rejects.toMatchObject({ details: { reason: 'loopback' } });
    expect(await resolveAllowed(DEFAULT_POLICY, '[2606:4700::1]', 'x', never)).toEqual([{ address: '2606:4700::1', family: 6 }]);
  });
});
