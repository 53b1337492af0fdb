/**
 * The DNS listeners on the apps bridge's gateway: UDP, and TCP with its 2-byte length prefix.
 * They only move bytes; answer.ts decides. A bad packet never ends the process.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';

export type Handler = (query: Buffer, clientIp: string, transport: 'udp' | 'tcp') => Promise<Buffer | null>;

export interface DnsListeners {
  udp: UdpSocket;
  tcp: Server;
  close(): Promise<void>;
}

const TCP_IDLE_MS = 10_000;
const TCP_MAX_PENDING = 64 * 1024;

function serveTcp(sock: Socket, handler: Handler, onError: (err: unknown) => void): void {
  let buf = Buffer.alloc(0);
  sock.setTimeout(TCP_IDLE_MS, () => sock.destroy());
  sock.on('error', () => sock.destroy());
  sock.on('data', (chunk) => {
    buf = Buffer.concat([buf, chunk]);
    if (buf.length > TCP_MAX_PENDING) return void sock.destroy();
    while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
      const msg = buf.subarray(2, 2 + buf.readUInt16BE(0));
      buf = buf.subarray(2 + msg.length);
      handler(Buffer.from(msg), sock.remoteAddress?.replace(/^::ffff:/, '') ?? '', 'tcp').then(
        (reply) => {
          if (!reply || sock.destroyed) return;
          const len = Buffer.alloc(2);
          len.writeUInt16BE(reply.length);
          sock.write(Buffer.concat([len, reply]));
        },
        onError,
      );
    }
  });
}

export async function listenDns(ip: string, port: number, handler: Handler, onError: (err: unknown) => void): Promise<DnsListeners> {
  const udp = createSocket('udp4');
  udp.on('message', (msg, rinfo) => {
    handler(msg, rinfo.address, 'udp').then((reply) => reply && udp.send(reply, rinfo.port, rinfo.address), onError);
  });
  udp.on('error', onError);
  await new Promise<void>((resolve, reject) => {
    udp.once('error', reject);
    udp.bind(port, ip, () => {
      udp.off('error', reject);
      resolve();
    });
  });
  const tcp = createServer((sock) => serveTcp(sock, handler, onError));
  await new Promise<void>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(port, ip, () => {
      tcp.off('error', reject);
      resolve();
    });
  });
  return {
    udp,
    tcp,
    close: async () => {
      udp.close();
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
    },
  };
}
