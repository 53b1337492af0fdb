/**
 * netd as it runs in production (apps/netd/src/main.ts, configured by environment), two of them
 * (hosts h1 and h2) on 127.0.0.1, asked by Node's resolver from different loopback addresses
 * (the "containers" of two teams and a stranger): team scoping, rotation, forwarding to an
 * upstream we run, malformed packets, the control API's refusals, and a peer cut leaving the
 * answers within 2 s and coming back.
 */
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RCODE } from '../../apps/netd/src/dns-wire';
import { dnsQuery, freeDnsPort, putState, resolverFrom, startFakeUpstream, startNetdProcess, tcpQuery, type NetdProcess, type NetdState } from './helpers/netd';

const TOKEN = randomBytes(24).toString('hex');
const TEAM_A = '127.0.0.2';
const TEAM_B = '127.0.0.3';
const STRANGER = '127.0.0.4';

let h1: NetdProcess;
let h2: NetdProcess;
let h2Env: Record<string, string>;
let upstream: Awaited<ReturnType<typeof startFakeUpstream>>;
let state: NetdState;

function netdEnv(host: string, dnsPort: number, controlPort: number, upstreamPort: number): Record<string, string> {
  return {
    NETD_DNS: '127.0.0.1',
    NETD_DNS_PORT: String(dnsPort),
    NETD_CONTROL: `127.0.0.1:${controlPort}`,
    NETD_TOKEN: TOKEN,
    NETD_UPSTREAM: `127.0.0.1:${upstreamPort}`,
    NETD_HOST: host,
  };
}

beforeAll(async () => {
  const [up, d1, c1, d2, c2] = [await freeDnsPort(), await freeDnsPort(), await freeDnsPort(), await freeDnsPort(), await freeDnsPort()];
  upstream = await startFakeUpstream(up, '192.0.2.7');
  h2Env = netdEnv('h2', d2, c2, up);
  [h1, h2] = await Promise.all([startNetdProcess(netdEnv('h1', d1, c1, up)), startNetdProcess(h2Env)]);
  state = {
    version: 1,
    clients: { [TEAM_A]: 'team-a', [TEAM_B]: 'team-b' },
    zones: {
      'team-a': {
        'web.shop.internal': [
          { ip: '10.10.0.2', host: 'h1' },
          { ip: '10.10.0.3', host: 'h2' },
          { ip: '10.10.0.4', host: 'h1' },
        ],
        'shop.internal': [{ ip: '10.10.0.2', host: 'h1' }],
      },
      'team-b': { 'web.other.internal': [{ ip: '10.20.0.2', host: 'h2' }] },
    },
    peers: { h1: h1.control, h2: h2.control },
  };
  expect(await putState(h1.control, TOKEN, state)).toEqual({ status: 200, body: { applied: true, version: 1 } });
});

afterAll(async () => {
  await Promise.all([h1?.kill(), h2?.kill()]);
  await upstream?.close();
});

describe('netd', () => {
  it('answers a team its own names, rotated, and nobody else', async () => {
    const a = resolverFrom(TEAM_A, h1.dnsPort);
    const orders = [await a.resolve4('web.shop.internal'), await a.resolve4('WEB.shop.internal'), await a.resolve4('web.shop.internal')];
    expect(orders.map((o) => o.join(' '))).toEqual(['10.10.0.2 10.10.0.3 10.10.0.4', '10.10.0.3 10.10.0.4 10.10.0.2', '10.10.0.4 10.10.0.2 10.10.0.3']);
    expect(await a.resolve4('shop.internal', { ttl: true })).toEqual([{ address: '10.10.0.2', ttl: 0 }]);
    // An existing name has no AAAA records: NOERROR without answers (ENODATA), not NXDOMAIN.
    await expect(a.resolve6('shop.internal')).rejects.toMatchObject({ code: 'ENODATA' });
    await expect(a.resolve4('web.other.internal')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    await expect(a.resolve4('db.shop.internal')).rejects.toMatchObject({ code: 'ENOTFOUND' });

    const b = resolverFrom(TEAM_B, h1.dnsPort);
    expect(await b.resolve4('web.other.internal')).toEqual(['10.20.0.2']);
    await expect(b.resolve4('web.shop.internal')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    await expect(resolverFrom(STRANGER, h1.dnsPort).resolve4('web.shop.internal')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    expect(upstream.asked.filter((n) => n.endsWith('.internal'))).toEqual([]); // private names never leave
  });

  it('answers over TCP as well', async () => {
    const reply = await tcpQuery(h1.dnsPort, dnsQuery('shop.internal'));
    // TCP queries come from 127.0.0.1, which is no client: NXDOMAIN.
    expect(reply.readUInt16BE(2) & 0x0f).toBe(RCODE.NXDOMAIN);
    await putState(h1.control, TOKEN, { ...state, version: 2, clients: { ...state.clients, '127.0.0.1': 'team-a' } });
    const ok = await tcpQuery(h1.dnsPort, dnsQuery('shop.internal'));
    expect(ok.readUInt16BE(2) & 0x0f).toBe(RCODE.NOERROR);
    expect(ok.readUInt16BE(6)).toBe(1);
    expect([...ok.subarray(ok.length - 4)]).toEqual([10, 10, 0, 2]);
    const forwarded = await tcpQuery(h1.dnsPort, dnsQuery('tcp.example.test'));
    expect([...forwarded.subarray(forwarded.length - 4)]).toEqual([192, 0, 2, 7]);
    expect(upstream.asked).toContain('tcp.example.test');
  });

  it('forwards other names to the upstream and says SERVFAIL when none answers', async () => {
    expect(await resolverFrom(STRANGER, h1.dnsPort).resolve4('www.example.test')).toEqual(['192.0.2.7']);
    expect(upstream.asked).toContain('www.example.test');
    const dead = await freeDnsPort();
    const lonely = await startNetdProcess({ ...h2Env, NETD_DNS_PORT: String(await freeDnsPort()), NETD_CONTROL: `127.0.0.1:${await freeDnsPort()}`, NETD_UPSTREAM: `127.0.0.1:${dead}` });
    try {
      const t0 = Date.now();
      await expect(resolverFrom(TEAM_A, lonely.dnsPort).resolve4('www.example.test')).rejects.toMatchObject({ code: 'ESERVFAIL' });
      expect(Date.now() - t0).toBeLessThan(4000);
    } finally {
      await lonely.kill();
    }
  });

  it('survives malformed packets', async () => {
    const sock = createSocket('udp4');
    await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', () => resolve()));
    const replies: Buffer[] = [];
    sock.on('message', (m) => replies.push(m));
    for (const junk of [Buffer.alloc(0), Buffer.from([1]), Buffer.from('garbage that is not dns'), Buffer.from([0xab, 0xcd, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 63, 1])]) {
      sock.send(junk, h1.dnsPort, '127.0.0.1');
    }
    await sleep(300);
    sock.close();
    expect(replies.length).toBeGreaterThan(0);
    expect(replies.every((r) => (r.readUInt16BE(2) & 0x8000) !== 0 && (r.readUInt16BE(2) & 0x0f) !== RCODE.NOERROR)).toBe(true);
    expect(replies.find((r) => r.readUInt16BE(0) === 0xabcd)!.readUInt16BE(2) & 0x0f).toBe(RCODE.FORMERR);
    expect(await resolverFrom(TEAM_A, h1.dnsPort).resolve4('shop.internal')).toEqual(['10.10.0.2']);
    expect(h1.proc.exitCode).toBeNull();
  });

  it('refuses writes without the token, invalid states, oversized bodies and older versions', async () => {
    expect((await putState(h1.control, null, state)).status).toBe(401);
    expect((await putState(h1.control, 'wrong-token', state)).status).toBe(401);
    expect(await putState(h1.control, TOKEN, '{not json')).toMatchObject({ status: 400 });
    expect(await putState(h1.control, TOKEN, { ...state, zones: { t: { 'Web.internal': [] } } })).toMatchObject({ status: 400, body: { message: expect.stringMatching(/lowercase/) } });
    const big = await fetch(`http://${h1.control}/state`, { method: 'PUT', headers: { authorization: `Bearer ${TOKEN}` }, body: 'x'.repeat(4 * 1024 * 1024 + 1) });
    expect(big.status).toBe(413);
    expect(await putState(h1.control, TOKEN, { ...state, version: 1, zones: {} })).toEqual({ status: 200, body: { applied: false, version: 2 } });
    expect(await resolverFrom(TEAM_A, h1.dnsPort).resolve4('shop.internal')).toEqual(['10.10.0.2']);
    const health = await fetch(`http://${h1.control}/health`);
    expect(await health.json()).toEqual({ version: 2, down: [] });
  });

  it('answers a name with more records than fit in UDP: truncated, then complete over TCP', async () => {
    const big = Array.from({ length: 40 }, (_, i) => ({ ip: `10.30.0.${i + 2}`, host: 'h1' }));
    await putState(h1.control, TOKEN, { ...state, version: 3, zones: { ...state.zones, 'team-a': { ...state.zones['team-a'], 'big.shop.internal': big } } });
    // c-ares sees TC over UDP and asks again over TCP, from the same source address.
    const got = await resolverFrom(TEAM_A, h1.dnsPort).resolve4('big.shop.internal');
    expect(got.sort()).toEqual(big.map((r) => r.ip).sort());
  });

  /** How long until `present()` turns `want`, polling every 20 ms (fails after 5 s). */
  async function msUntil(what: string, present: () => Promise<boolean>, want: boolean): Promise<number> {
    const t0 = Date.now();
    while ((await present()) !== want) {
      if (Date.now() - t0 > 5000) throw new Error(`${what}: not seen within 5 s`);
      await sleep(20);
    }
    return Date.now() - t0;
  }

  it('drops the records of a cut peer within 2 s and takes them back when it returns', async () => {
    const a = resolverFrom(TEAM_A, h1.dnsPort);
    const h2Records = async () => (await a.resolve4('web.shop.internal')).includes('10.10.0.3');
    expect(await h2Records()).toBe(true);

    // A cut: h2 stops answering (SIGSTOP: its connections hang, probes time out).
    h2.proc.kill('SIGSTOP');
    const frozeLeft = await msUntil('h2 left after freeze', h2Records, false);
    expect(await (await fetch(`http://${h1.control}/health`)).json()).toMatchObject({ down: ['h2'] });
    expect(await a.resolve4('web.shop.internal')).toEqual(expect.arrayContaining(['10.10.0.2', '10.10.0.4']));
    h2.proc.kill('SIGCONT');
    const thawBack = await msUntil('h2 back after thaw', h2Records, true);

    // A crash: connections are refused; then a new netd starts on h2.
    await h2.kill();
    const killLeft = await msUntil('h2 left after kill', h2Records, false);
    h2 = await startNetdProcess(h2Env);
    const restartBack = await msUntil('h2 back after restart', h2Records, true);

    console.log(`peer cut (stopped): left the answers after ${frozeLeft} ms, back ${thawBack} ms after it resumed; ` +
      `peer killed: left after ${killLeft} ms, back ${restartBack} ms after the new netd listened`);
    for (const ms of [frozeLeft, thawBack, killLeft, restartBack]) expect(ms).toBeLessThan(2000);
  });
});
