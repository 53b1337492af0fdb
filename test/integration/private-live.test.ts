/**
 * The Redis side of the private network against the shared Redis (unique installation prefix):
 * static address reservations (PrivateAddresses) and the private names table (NamesTable).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { staticRange, ipToInt } from '@gantry/core';
import { NamesTable, PrivateAddresses, connectRedis, keysFor, type NamesChanged } from '@gantry/live';

const instance = `pl-${randomBytes(4).toString('hex')}`;
const keys = keysFor(instance);
const redis = connectRedis('redis://127.0.0.1:6379/0', `${instance}-test`);

afterAll(async () => {
  const found = await redis.keys(`${keys.prefix}*`);
  if (found.length) await redis.del(...found);
  redis.disconnect();
});

describe('PrivateAddresses', () => {
  const addresses = new PrivateAddresses(redis, keys);
  const subnet = '100.64.16.0/20';

  it('reserves distinct static addresses of the subnet, the same one again for the same owner', async () => {
    const { first, last } = staticRange(subnet);
    const got = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const ip = await addresses.reserve('net-a', subnet, `c${i}`);
      expect(ipToInt(ip)).toBeGreaterThanOrEqual(first);
      expect(ipToInt(ip)).toBeLessThanOrEqual(last);
      got.add(ip);
    }
    expect(got.size).toBe(200);
    const held = await redis.hgetall(keys.privateAddresses('net-a'));
    expect(Object.keys(held)).toHaveLength(200);
    const [ip, owner] = Object.entries(held)[0]!;
    // Another network has its own addresses.
    expect(await redis.hlen(keys.privateAddresses('net-b'))).toBe(0);
    // Only its owner gives an address back.
    await addresses.release('net-a', ip, 'someone-else');
    expect(await redis.hget(keys.privateAddresses('net-a'), ip)).toBe(owner);
    await addresses.release('net-a', ip, owner);
    expect(await redis.hget(keys.privateAddresses('net-a'), ip)).toBeNull();
  });

  it('fails loudly when the subnet is full', async () => {
    const tiny = '100.64.32.0/23'; // 255 static addresses
    for (let i = 0; i < 255; i++) await redis.hset(keys.privateAddresses('full'), `100.64.33.${i}`, `x${i}`);
    await expect(addresses.reserve('full', tiny, 'late')).rejects.toThrow(/No free private address/);
  });
});

describe('NamesTable', () => {
  it('stores, announces and removes an app\'s names, and says nothing when nothing changed', async () => {
    const table = new NamesTable(redis, keys);
    const sub = connectRedis('redis://127.0.0.1:6379/0', `${instance}-sub`);
    const messages: NamesChanged[] = [];
    await sub.subscribe(keys.namesChanged);
    sub.on('message', (_c, m) => messages.push(JSON.parse(m) as NamesChanged));
    const names = { appId: 'a1', app: 'shop', teamId: 't1', records: { 'web.shop.internal': [{ ip: '100.64.17.2', host: 'h1' }] } };
    const v1 = await table.setApp('a1', names);
    expect(v1).toBeGreaterThan(0);
    expect(await table.setApp('a1', names)).toBeNull();
    expect((await table.load()).apps.get('a1')).toEqual(names);
    const v2 = await table.setApp('a1', null);
    expect(v2).toBe(v1! + 1);
    expect(await table.get('a1')).toBeNull();
    await new Promise((r) => setTimeout(r, 100));
    expect(messages).toEqual([
      { version: v1, appIds: ['a1'] },
      { version: v2, appIds: ['a1'] },
    ]);
    sub.disconnect();
  });
});
