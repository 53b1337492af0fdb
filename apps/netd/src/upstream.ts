/**
 * Forwarding of names that are not private: the raw query goes to each upstream resolver in
 * turn (2 s per try) and the first answer is relayed as it is. UDP for UDP, TCP for TCP.
 */
import { createSocket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { Socket } from 'node:net';
import type { Upstream } from './config';

export const TRY_TIMEOUT_MS = 2000;

function udpTry(query: Buffer, up: Upstream, timeoutMs: number): Promise<Buffer | null> {
  return new Promise((resolve) => {
    // A fresh socket (random source port) per query: an answer is only accepted from the
    // server asked, with the query's id.
    const sock = createSocket(isIPv6(up.address) ? 'udp6' : 'udp4');
    const id = query.readUInt16BE(0);
    const done = (answer: Buffer | null) => {
      clearTimeout(timer);
      sock.close();
      resolve(answer);
    };
    const timer = setTimeout(() => done(null), timeoutMs);
    sock.on('error', () => done(null));
    sock.on('message', (msg, rinfo) => {
      if (rinfo.address !== up.address || rinfo.port !== up.port || msg.length < 12 || msg.readUInt16BE(0) !== id) return;
      done(msg);
    });
    sock.send(query, up.port, up.address, (err) => err && done(null));
  });
}

function tcpTry(query: Buffer, up: Upstream, timeoutMs: number): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const sock = new Socket();
    let got = Buffer.alloc(0);
    const done = (answer: Buffer | null) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => done(null), timeoutMs);
    sock.on('error', () => done(null));
    sock.on('close', () => done(null));
    sock.on('data', (chunk) => {
      got = Buffer.concat([got, chunk]);
      if (got.length >= 2 && got.length >= 2 + got.readUInt16BE(0)) done(got.subarray(2, 2 + got.readUInt16BE(0)));
    });
    sock.connect(up.port, up.address, () => {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(query.length);
      sock.write(Buffer.concat([len, query]));
    });
  });
}

/** The first upstream answer to `query`, or null when none answers. */
export async function forward(query: Buffer, upstreams: readonly Upstream[], transport: 'udp' | 'tcp', timeoutMs = TRY_TIMEOUT_MS): Promise<Buffer | null> {
  for (const up of upstreams) {
    const answer = await (transport === 'udp' ? udpTry : tcpTry)(query, up, timeoutMs);
    if (answer) return answer;
  }
  return null;
}
