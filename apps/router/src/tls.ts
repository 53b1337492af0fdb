/**
 * The certificates the router serves by SNI: loaded from Redis (keys sealed with the installation
 * secret, opened here in memory only), kept current by the change channel, looked up by exact
 * name then by wildcard ("*.example.com" covers "www.example.com").
 *
 * A start that finds Redis unreachable (saved-start.ts) serves the saved certificates (snapshot.ts, keys
 * sealed there too) and loads from Redis when it answers; every load from Redis calls `onChange`,
 * which saves them (debounced).
 */
import { createSecureContext, type SecureContext } from 'node:tls';
import { open } from '@gantry/core';
import type { CertRecord, CertStore, connectRedis, Keys } from '@gantry/live';
import type { Logger } from './log';

export type SniCallback = (servername: string, cb: (err: Error | null, ctx?: SecureContext) => void) => void;

export interface SavedCerts {
  /** Settles when the start should stop waiting for Redis (saved-start.ts). */
  unreachable: Promise<unknown>;
  /** The saved certificates, or undefined when there are none that can be used. */
  load(): Promise<ReadonlyMap<string, CertRecord> | undefined>;
}

export class CertContexts {
  private byName = new Map<string, SecureContext>();
  private records: ReadonlyMap<string, CertRecord> = new Map();
  private loadedFromRedis = false;
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly deps: {
      store: CertStore;
      sub: ReturnType<typeof connectRedis>;
      keys: Keys;
      secret: string;
      log: Logger;
      /** Called after every load from Redis; `current()` gives the records (keys sealed). */
      onChange?: (current: () => ReadonlyMap<string, CertRecord>) => void;
    },
  ) {}

  /**
   * Loads the certificates and follows changes. Waits for Redis, unless `saved` is given: then
   * Redis has until `saved.unreachable` settles to answer before the saved certificates are served
   * and the start goes on without it.
   */
  async start(saved?: SavedCerts): Promise<void> {
    const following = this.follow();
    if (saved === undefined) return following;
    const inTime = await Promise.race([following.then(() => true), saved.unreachable.then(() => false)]);
    if (inTime) return;
    const records = await saved.load();
    if (records === undefined || this.loadedFromRedis) return following;
    this.apply(records);
    following.catch((err: Error) => this.deps.log.error(`at=error code=certs_follow_failed desc=${JSON.stringify(err.message)}`));
  }

  private async follow(): Promise<void> {
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

  /** Rebuilds every context from Redis. */
  async reload(): Promise<void> {
    const records = await this.deps.store.all();
    this.loadedFromRedis = true;
    this.apply(records);
    this.deps.onChange?.(() => this.records);
  }

  /** Rebuilds every context; a certificate that cannot be opened is skipped (and logged). */
  private apply(records: ReadonlyMap<string, CertRecord>): void {
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
    this.records = records;
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
