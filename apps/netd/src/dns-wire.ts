/**
 * The DNS wire format, as much as netd needs (RFC 1035): read a query's header and its one
 * question, write an answer of A records, an empty answer, or an error. Pure: Buffers in and out.
 * Names are read as latin1 so any byte round-trips; lookups lowercase them.
 */
import { ipv4Bytes } from './ipv4';

export const TYPE_A = 1;
export const TYPE_ANY = 255;
export const CLASS_IN = 1;

export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;

/** Largest DNS message over UDP without EDNS; longer answers are cut and flagged truncated (TC). */
export const UDP_LIMIT = 512;
const HEADER = 12;
const ANSWER_A = 16; // pointer (2) type (2) class (2) ttl (4) rdlength (2) address (4)

export interface DnsQuery {
  id: number;
  opcode: number;
  rd: boolean;
  /** The question as received, dots between labels, no trailing dot. */
  name: string;
  type: number;
  qclass: number;
  /** Raw bytes of the question section (echoed in answers, same offsets, so pointers stay valid). */
  questionRaw: Buffer;
}

export type Parsed =
  | { ok: true; query: DnsQuery }
  /** Not a query we can answer: reply with rcode when an id could be read, else drop. */
  | { ok: false; id: number | null; rcode: number; reason: string };

/** Reads a (possibly compressed) name starting at `offset`; returns it and the offset after it. */
function readName(buf: Buffer, offset: number): { name: string; end: number } {
  const labels: string[] = [];
  let pos = offset;
  let end = -1;
  let hops = 0;
  let length = 0;
  for (;;) {
    if (pos >= buf.length) throw new Error('name runs past the message');
    const len = buf[pos]!;
    if (len === 0) {
      if (end < 0) end = pos + 1;
      break;
    }
    if ((len & 0xc0) === 0xc0) {
      if (pos + 1 >= buf.length) throw new Error('truncated name pointer');
      const target = ((len & 0x3f) << 8) | buf[pos + 1]!;
      if (end < 0) end = pos + 2;
      if (++hops > 16 || target >= pos) throw new Error('name pointer loop');
      pos = target;
      continue;
    }
    if (len & 0xc0) throw new Error('unsupported label type');
    if (pos + 1 + len > buf.length) throw new Error('label runs past the message');
    labels.push(buf.toString('latin1', pos + 1, pos + 1 + len));
    length += len + 1;
    if (length > 255) throw new Error('name longer than 255 bytes');
    pos += 1 + len;
  }
  return { name: labels.join('.'), end };
}

export function parseQuery(buf: Buffer): Parsed {
  if (buf.length < 2) return { ok: false, id: null, rcode: RCODE.FORMERR, reason: 'shorter than an id' };
  const id = buf.readUInt16BE(0);
  if (buf.length < HEADER) return { ok: false, id, rcode: RCODE.FORMERR, reason: 'shorter than a header' };
  const flags = buf.readUInt16BE(2);
  // A response sent to us is dropped, never answered (no reflection loops).
  if (flags & 0x8000) return { ok: false, id: null, rcode: RCODE.FORMERR, reason: 'a response, not a query' };
  const opcode = (flags >> 11) & 0x0f;
  if (opcode !== 0) return { ok: false, id, rcode: RCODE.NOTIMP, reason: `opcode ${opcode}` };
  if (buf.readUInt16BE(4) !== 1) return { ok: false, id, rcode: RCODE.FORMERR, reason: 'not exactly one question' };
  try {
    const { name, end } = readName(buf, HEADER);
    if (end + 4 > buf.length) throw new Error('question runs past the message');
    return {
      ok: true,
      query: { id, opcode, rd: (flags & 0x0100) !== 0, name, type: buf.readUInt16BE(end), qclass: buf.readUInt16BE(end + 2), questionRaw: buf.subarray(HEADER, end + 4) },
    };
  } catch (err) {
    return { ok: false, id, rcode: RCODE.FORMERR, reason: (err as Error).message };
  }
}

function header(id: number, opts: { opcode?: number; aa?: boolean; tc?: boolean; rd?: boolean; rcode: number; qd: number; an: number }): Buffer {
  const h = Buffer.alloc(HEADER);
  h.writeUInt16BE(id, 0);
  const flags = 0x8000 | ((opts.opcode ?? 0) << 11) | (opts.aa ? 0x0400 : 0) | (opts.tc ? 0x0200 : 0) | (opts.rd ? 0x0100 : 0) | 0x0080 | (opts.rcode & 0x0f);
  h.writeUInt16BE(flags, 2);
  h.writeUInt16BE(opts.qd, 4);
  h.writeUInt16BE(opts.an, 6);
  return h;
}

/**
 * An authoritative answer to `query`: A records for `ips` (TTL 0: answers follow changes at once),
 * or none. With `limit` (UDP), records that do not fit are cut and TC is set so the client asks
 * again over TCP.
 */
export function encodeAnswer(query: DnsQuery, rcode: number, ips: readonly string[], limit = Infinity): Buffer {
  const room = Math.floor((limit - HEADER - query.questionRaw.length) / ANSWER_A);
  const fit = Math.max(0, Math.min(ips.length, room));
  const parts = [header(query.id, { aa: true, tc: fit < ips.length, rd: query.rd, rcode, qd: 1, an: fit }), query.questionRaw];
  for (const ip of ips.slice(0, fit)) {
    const rr = Buffer.alloc(ANSWER_A);
    rr.writeUInt16BE(0xc000 | HEADER, 0); // the question's name
    rr.writeUInt16BE(TYPE_A, 2);
    rr.writeUInt16BE(CLASS_IN, 4);
    rr.writeUInt32BE(0, 6);
    rr.writeUInt16BE(4, 10);
    Buffer.from(ipv4Bytes(ip)).copy(rr, 12);
    parts.push(rr);
  }
  return Buffer.concat(parts);
}

/** An error reply: the question echoed when there is one (SERVFAIL after forwarding), else bare. */
export function encodeError(id: number, rcode: number, query?: DnsQuery): Buffer {
  if (!query) return header(id, { rcode, qd: 0, an: 0 });
  return Buffer.concat([header(id, { opcode: query.opcode, rd: query.rd, rcode, qd: 1, an: 0 }), query.questionRaw]);
}
