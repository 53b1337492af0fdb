/**
 * The DNS measurement's logic against an in-memory cluster (ps, formation, names with a set lag):
 * it skips only when the name does not resolve, times join and leave from the right moments, and
 * refuses answers that are not the instances' addresses. Real timers: the lags are real.
 */
import { describe, expect, it } from 'vitest';
import type { GantryClient, InstanceView } from '@gantry/api-client';
import { dnsFollowsChanges, parseAnswer, type DnsProbe } from './network-dns';

const instance = (n: number, ip: string): InstanceView =>
  ({ id: `a${n}`, process: `web.${n}`, type: 'web', release: 1, state: 'up', host: 'lab-b', address: '10.0.0.3', port: 30000 + n, privateIp: ip, since: '', exitCode: null, restarts: 0, message: null, routed: true }) as InstanceView;

/** A server app whose second instance is up `bootMs` after the scale; its name follows ps after `lagMs` (join) and `leaveMs` (kill). */
function fakeCluster(o: { bootMs: number; lagMs: number; leaveMs: number; answer?: (ips: string[]) => string }) {
  const up: InstanceView[] = [instance(1, '100.64.17.1')];
  const named = new Map<string, number>([['100.64.17.1', 0]]); // ip -> since when the name answers it
  const gone = new Map<string, number>(); // ip -> since when the name no longer answers it
  const calls = { scaled: 0, killed: [] as string[] };
  const client = {
    ps: async () => up.map((i) => ({ ...i })),
    updateFormation: async () => {
      calls.scaled++;
      setTimeout(() => {
        up.push(instance(2, '100.64.17.2'));
        named.set('100.64.17.2', Date.now() + o.lagMs);
      }, o.bootMs);
      return [];
    },
  } as unknown as GantryClient;
  const probe: DnsProbe = {
    resolve: async () => {
      const now = Date.now();
      const ips = [...named].filter(([ip, since]) => since <= now && !((gone.get(ip) ?? Infinity) <= now)).map(([ip]) => ip);
      return o.answer ? o.answer(ips) : ips.join(',');
    },
    kill: async (i) => {
      calls.killed.push(i.privateIp!);
      const idx = up.findIndex((x) => x.privateIp === i.privateIp);
      up.splice(idx, 1);
      gone.set(i.privateIp!, Date.now() + o.leaveMs);
    },
  };
  return { client, probe, calls };
}

describe('dnsFollowsChanges', () => {
  it('skips, saying why, when the name does not resolve for the one instance up (no netd), and changes nothing', async () => {
    const { client, probe, calls } = fakeCluster({ bootMs: 0, lagMs: 0, leaveMs: 0, answer: () => 'ERR ENOTFOUND' });
    const r = await dnsFollowsChanges(client, 'srv', probe);
    expect(r).toEqual({ skipped: 'DNS: netd not available on this branch (web.srv.internal from the client: ERR ENOTFOUND)' });
    expect(calls.scaled).toBe(0);
  });

  it('skips when the probe itself fails (a resolver that never answers)', async () => {
    const { client, calls } = fakeCluster({ bootMs: 0, lagMs: 0, leaveMs: 0 });
    const r = await dnsFollowsChanges(client, 'srv', { resolve: () => Promise.reject(new Error('timeout')), kill: async () => {} });
    expect(r).toEqual({ skipped: expect.stringContaining('netd not available on this branch') });
    expect(calls.scaled).toBe(0);
  });

  it('times the join from the new instance being up and the leave from the kill of that instance', async () => {
    const { client, probe, calls } = fakeCluster({ bootMs: 300, lagMs: 400, leaveMs: 250 });
    const r = await dnsFollowsChanges(client, 'srv', probe);
    if ('skipped' in r) throw new Error(r.skipped);
    expect(calls.killed).toEqual(['100.64.17.2']);
    // ps is polled every 100 ms and the name every 50 ms: each figure is within ~150 ms of the lag.
    expect(r.joinFromUpMs).toBeGreaterThanOrEqual(250);
    expect(r.joinFromUpMs).toBeLessThan(600);
    expect(r.joinFromScaleMs).toBeGreaterThanOrEqual(700);
    expect(r.leaveMs).toBeGreaterThanOrEqual(250);
    expect(r.leaveMs).toBeLessThan(450);
    expect(r.name).toBe('web.srv.internal');
  });

  it('fails when the name answers two addresses that are not the instances up', async () => {
    const { client, probe } = fakeCluster({ bootMs: 100, lagMs: 0, leaveMs: 0, answer: (ips) => (ips.length === 2 ? '100.64.17.1,100.64.17.9' : ips.join(',')) });
    await expect(dnsFollowsChanges(client, 'srv', probe)).rejects.toThrow(/answered 100\.64\.17\.1,100\.64\.17\.9, the instances up are 100\.64\.17\.1,100\.64\.17\.2/);
  });

  it('reads answers: addresses sorted, errors as null', () => {
    expect(parseAnswer('10.0.0.2,10.0.0.1\n')).toEqual(['10.0.0.1', '10.0.0.2']);
    expect(parseAnswer('ERR ESERVFAIL\n')).toBeNull();
    expect(parseAnswer('')).toBeNull();
  });
});
