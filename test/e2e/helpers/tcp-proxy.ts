/**
 * A TCP proxy a fault test controls, in front of a real service (Redis, Postgres), so an outage
 * can be made for one Gantry installation without stopping the shared service:
 *
 *   Gantry ──> 127.0.0.1:<port> (this proxy) ──> real service
 *   outage():    the listener closes (new connections are refused) and every piped one is cut
 *   blackhole(): nothing gets through any more, and nothing is refused or cut: connections,
 *                old and new, just go silent (a network partition, a frozen server)
 *   recover():   connections work again (after a black hole, the silent ones are cut)
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export class TcpProxy {
  private server: Server | null = null;
  private silent = false;
  private readonly sockets = new Set<Socket>();

  constructor(
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}

  private track(s: Socket): void {
    this.sockets.add(s);
    s.on('close', () => this.sockets.delete(s));
  }

  private accept(client: Socket): void {
    this.track(client);
    if (this.silent) {
      client.on('error', () => {});
      return; // held open, never answered
    }
    const upstream = createConnection(this.target);
    this.track(upstream);
    for (const s of [client, upstream]) {
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  }

  /** Starts (or, after an outage or black hole, restores) the service. */
  async recover(): Promise<void> {
    if (this.silent) {
      this.silent = false;
      this.cutAll();
    }
    if (this.server) return;
    const server = createServer((c) => this.accept(c));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
  }

  /** The service "goes away": refuses new connections and cuts the open ones. */
  async outage(): Promise<void> {
    const server = this.server;
    this.server = null;
    this.cutAll();
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }

  /** The service stops answering without a word: bytes stop flowing both ways. */
  blackhole(): void {
    this.silent = true;
    for (const s of this.sockets) {
      s.unpipe();
      s.pause();
    }
  }

  private cutAll(): void {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  close(): Promise<void> {
    this.silent = false;
    return this.outage();
  }
}
