/**
 * Local log collectors for drain tests: a syslog receiver over TLS or TCP (octet-counted frames),
 * an HTTP receiver of application/logplex-1 batches, and a "dead" one that accepts connections
 * and never reads. Each keeps the messages it got, in arrival order.
 */
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { parseFrames } from '../../apps/drains/src/syslog';

export interface Receiver {
  port: number;
  messages: string[];
  /** Request headers of each HTTP batch (HTTP receiver only). */
  batches: http.IncomingHttpHeaders[];
  /** TCP connections accepted so far (a refused destination must see none). */
  readonly connections: number;
  /** Drops every open connection (the collector restarts). */
  cut(): void;
  close(): Promise<void>;
}

function tracked(server: net.Server, port: number, messages: string[], batches: http.IncomingHttpHeaders[] = []): Receiver {
  const sockets = new Set<net.Socket>();
  let connections = 0;
  server.on('connection', (s: net.Socket) => {
    connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return {
    port,
    messages,
    batches,
    get connections() {
      return connections;
    },
    cut: () => sockets.forEach((s) => s.destroy()),
    close: async () => {
      sockets.forEach((s) => s.destroy());
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

async function listen(server: net.Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

function collectFrames(socket: net.Socket, messages: string[]): void {
  let rest: Buffer = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    const parsed = parseFrames(Buffer.concat([rest, chunk]));
    messages.push(...parsed.messages);
    rest = parsed.rest;
  });
  socket.on('error', () => {});
}

/** Syslog over TLS (with this certificate) or plain TCP. */
export async function syslogReceiver(cert?: { cert: string; key: string }): Promise<Receiver> {
  const messages: string[] = [];
  const onSocket = (s: net.Socket) => collectFrames(s, messages);
  const server = cert ? tls.createServer({ cert: cert.cert, key: cert.key }, onSocket) : net.createServer(onSocket);
  const port = await listen(server);
  // A TLS server's 'connection' is the raw TCP socket: cutting it ends the TLS session as well.
  return tracked(server, port, messages);
}

export async function httpReceiver(status = 200): Promise<Receiver> {
  const messages: string[] = [];
  const batches: http.IncomingHttpHeaders[] = [];
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const { messages: got, rest } = parseFrames(Buffer.concat(chunks));
    if (rest.length) throw new Error('incomplete frame in an HTTP batch');
    batches.push(req.headers);
    messages.push(...got);
    res.writeHead(status).end();
  });
  const port = await listen(server);
  return tracked(server, port, messages, batches);
}

/** Accepts connections and never reads from them: writes to it fill the buffers, then stall. */
export async function deadReceiver(): Promise<Receiver> {
  const server = net.createServer((s) => {
    s.pause();
    s.on('error', () => {});
  });
  const port = await listen(server);
  return tracked(server, port, []);
}

/** A port nothing listens on. */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  const port = await listen(server);
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** The line of a syslog message (after "<PRI>1 TIME HOST APP PROC - - "). */
export function lineOf(message: string): string {
  return message.split(' ').slice(7).join(' ');
}
