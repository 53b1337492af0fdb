/**
 * The certificates the router serves by SNI: loaded from Redis (keys sealed with the installation
 * secret, opened here in memory only), kept current by the change channel, looked up by exact
 * name then by wildcard ("*.example.com" covers "www.example.com").
 */
import { createSecureContext, type SecureContext } from 'node:tls';
import { open } from '@gantry/core';
import type { CertStore, connectRedis, Keys } from '@gantry/live';
import type { Logger } from './log';

export type SniCallback = (servername: string, cb: (err: Error | null, ctx?: SecureContext) => void) => void;

export class CertContexts {
  private byName = new Map<string, SecureContext>();
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly deps: { store: CertStore; sub: ReturnType<typeof connectRedis>; keys: Keys; secret: string; log: Logger },
  ) {}

  async start(): Promise<void> {
    await this.reload();
    await this.deps.sub.subscribe(this.deps.keys.certsChanged);
    const onMessage = (channel: string) => {
      if (channel === this.deps.keys.certsChanged) void this.reload().catch((err: Error) => this.deps.log.error(`certificates: ${err.message}`));
    };
    this.deps.sub.on('message', onMessage);
    this.deps.sub.on('ready', () => void this.reload().catch(() => {}));
    this.unsubscribe = () => this.deps.sub.off('message', onMessage);
  }

  stop(): void {
    this.unsubscribe?.();
  }

  /** Rebuilds every context; a certificate that cannot be opened is skipped (and logged). */
  async reload(): Promise<void> {
    const records = await this.deps.store.all();
    const byCert = new Map<string, SecureContext>();
    const next = new Map<string, SecureContext>();
    for (const [name, rec] of records) {
      let ctx = byCert.get(rec.id);
      if (!ctx) {
        try {
          ctx = createSecureContext({ cert: rec.certPem, key: open(rec.keyEncrypted, this.deps.secret) });
        } catch (err) {
          this.deps.log.error(`certificate ${rec.id} for ${name} cannot be used: ${(err as Error).message}`);
          continue;
        }
        byCert.set(rec.id, ctx);
      }
      next.set(name, ctx);
    }
    this.byName = next;
  }

  lookup(servername: string): SecureContext | undefined {
    const name = servername.toLowerCase();
    const exact = this.byName.get(name);
    if (exact) return exact;
    const dot = name.indexOf('.');
    return dot > 0 ? this.byName.get(`*${name.slice(dot)}`) : undefined;
  }

  get size(): number {
    return this.byName.size;
  }

  /** For https.createServer({ SNICallback }): no certificate for the name ends the handshake. */
  readonly sniCallback: SniCallback = (servername, cb) => {
    const ctx = this.lookup(servername);
    if (ctx) cb(null, ctx);
    else cb(new Error(`no certificate for ${servername}`));
  };
}
