import { describe, expect, it } from 'vitest';
import { encodeAnswer, encodeError, parseQuery, RCODE, TYPE_A, UDP_LIMIT, type DnsQuery } from './dns-wire';

/** A query as a stub resolver writes it: id, RD, one question. */
function query(name: string, type = TYPE_A, id = 0x1234): Buffer {
  const labels = name.split('.').flatMap((l) => [Buffer.from([l.length]), Buffer.from(l, 'latin1')]);
  const tail = Buffer.alloc(5);
  tail.writeUInt16BE(type, 1);
  tail.writeUInt16BE(1, 3);
  const h = Buffer.alloc(12);
  h.writeUInt16BE(id, 0);
  h.writeUInt16BE(0x0100, 2);
  h.writeUInt16BE(1, 4);
  return Buffer.concat([h, ...labels, tail]);
}

function parsed(buf: Buffer): DnsQuery {
  const p = parseQuery(buf);
  if (!p.ok) throw new Error(p.reason);
  return p.query;
}

describe('parseQuery', () => {
  it('reads the id, RD and the one question, keeping its case', () => {
    const q = parsed(query('Web.Shop.INTERNAL', 28, 7));
    expect(q).toMatchObject({ id: 7, rd: true, name: 'Web.Shop.INTERNAL', type: 28, qclass: 1 });
    expect(q.questionRaw.length).toBe(19 + 4);
  });

  it('refuses a compression pointer that does not point backwards (a loop)', () => {
    const buf = query('x.internal');
    const loop = Buffer.concat([buf.subarray(0, 12), Buffer.from([0xc0, 12, 0, 1, 0, 1])]);
    expect(parseQuery(loop)).toMatchObject({ ok: false, id: 0x1234, rcode: RCODE.FORMERR });
  });

  const bad: [string, Buffer, number | null, number][] = [
    ['empty', Buffer.alloc(0), null, RCODE.FORMERR],
    ['one byte', Buffer.from([1]), null, RCODE.FORMERR],
    ['a bare id', Buffer.from([0xab, 0xcd, 0]), 0xabcd, RCODE.FORMERR],
    ['a label running past the end', query('web.internal').subarray(0, 16), 0x1234, RCODE.FORMERR],
    ['no type and class', query('web.internal').subarray(0, 12 + 14), 0x1234, RCODE.FORMERR],
  ];
  it.each(bad)('refuses %s', (_, buf, id, rcode) => {
    expect(parseQuery(buf)).toMatchObject({ ok: false, id, rcode });
  });

  it('drops responses and refuses other opcodes and question counts', () => {
    const resp = query('a.internal');
    resp.writeUInt16BE(0x8000, 2);
    expect(parseQuery(resp)).toMatchObject({ ok: false, id: null });
    const notify = query('a.internal');
    notify.writeUInt16BE(4 << 11, 2);
    expect(parseQuery(notify)).toMatchObject({ ok: false, rcode: RCODE.NOTIMP });
    const two = query('a.internal');
    two.writeUInt16BE(2, 4);
    expect(parseQuery(two)).toMatchObject({ ok: false, rcode: RCODE.FORMERR });
  });

  it('never throws on random bytes', () => {
    for (let i = 0; i < 2000; i++) {
      const buf = Buffer.from(Array.from({ length: i % 80 }, () => Math.floor(Math.random() * 256)));
      expect(() => parseQuery(buf)).not.toThrow();
    }
  });
});

describe('encodeAnswer', () => {
  it('writes A records with TTL 0 after the echoed question', () => {
    const q = parsed(query('web.shop.internal'));
    const out = encodeAnswer(q, RCODE.NOERROR, ['10.1.0.2', '10.1.0.3']);
    expect(out.readUInt16BE(0)).toBe(0x1234);
    const flags = out.readUInt16BE(2);
    expect(flags & 0x8000).toBeTruthy(); // QR
    expect(flags & 0x0400).toBeTruthy(); // AA
    expect(flags & 0x0200).toBe(0); // not truncated
    expect(flags & 0x000f).toBe(0);
    expect([out.readUInt16BE(4), out.readUInt16BE(6), out.readUInt16BE(8), out.readUInt16BE(10)]).toEqual([1, 2, 0, 0]);
    const first = 12 + q.questionRaw.length;
    expect(out.readUInt16BE(first)).toBe(0xc00c);
    expect(out.readUInt16BE(first + 2)).toBe(TYPE_A);
    expect(out.readUInt32BE(first + 6)).toBe(0);
    expect([...out.subarray(first + 12, first + 16)]).toEqual([10, 1, 0, 2]);
    expect([...out.subarray(first + 28, first + 32)]).toEqual([10, 1, 0, 3]);
    expect(out.length).toBe(first + 32);
  });

  it('cuts answers that do not fit a UDP message and sets TC', () => {
    const q = parsed(query('web.shop.internal'));
    const ips = Array.from({ length: 40 }, (_, i) => `10.1.0.${i + 1}`);
    const out = encodeAnswer(q, RCODE.NOERROR, ips, UDP_LIMIT);
    expect(out.length).toBeLessThanOrEqual(UDP_LIMIT);
    expect(out.readUInt16BE(2) & 0x0200).toBeTruthy();
    expect(out.readUInt16BE(6)).toBe(Math.floor((UDP_LIMIT - 12 - q.questionRaw.length) / 16));
    expect(encodeAnswer(q, RCODE.NOERROR, ips).readUInt16BE(6)).toBe(40);
  });

  it('writes NXDOMAIN and bare errors', () => {
    const q = parsed(query('nope.internal'));
    const nx = encodeAnswer(q, RCODE.NXDOMAIN, []);
    expect(nx.readUInt16BE(2) & 0x000f).toBe(RCODE.NXDOMAIN);
    expect(nx.readUInt16BE(6)).toBe(0);
    const formerr = encodeError(9, RCODE.FORMERR);
    expect(formerr.length).toBe(12);
    expect(formerr.readUInt16BE(2) & 0x800f).toBe(0x8000 | RCODE.FORMERR);
    expect(encodeError(9, RCODE.SERVFAIL, q).readUInt16BE(4)).toBe(1);
  });
});
