/**
 * A TCP proxy a fault test controls, in front of a real service (Redis, Postgres), so an outage
 * can be made for one Gantry installation without stopping the shared service:
 *
 *   Gantry ──> 127.0.0.1:<port> (this proxy) ──> real service
 *   outage():  the listener closes (new connections are refused) and every piped connection is cut
 *   recover(): the listener opens again on the same port
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export class TcpProxy {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();

  constructor(
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}

  /** Starts (or, after an outage, restarts) accepting connections. */
  async recover(): Promise<void> {
    if (this.server) return;
    const server = createServer((client) => {
      const upstream = createConnection(this.target);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream);
      upstream.pipe(client);
    });
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
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }

  get up(): boolean {
    return this.server !== null;
  }

  close(): Promise<void> {
    return this.outage();
  }
}
