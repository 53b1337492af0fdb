/**
 * TLS certificates as routers need them: by name (exact or "*.example.com"), with the private key
 * still sealed (routers open it with the installation secret). Written whenever an app's
 * certificates change; routers load them all and follow the change channel.
 */
import type { Redis } from 'ioredis';
import type { Keys } from './keys';

export interface CertRecord {
  id: string;
  appId: string;
  certPem: string;
  keyEncrypted: string;
  notAfter: string;
}

export class CertStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  /** Replaces every certificate name of an app (later certificates win a name they share). */
  async replaceApp(appId: string, certs: (CertRecord & { hostnames: string[] })[]): Promise<void> {
    const previous = await this.redis.smembers(this.keys.appCerts(appId));
    const multi = this.redis.multi();
    if (previous.length) multi.hdel(this.keys.certs, ...previous);
    multi.del(this.keys.appCerts(appId));
    const names: string[] = [];
    for (const c of certs) {
      for (const name of c.hostnames) {
        multi.hset(this.keys.certs, name, JSON.stringify({ id: c.id, appId: c.appId, certPem: c.certPem, keyEncrypted: c.keyEncrypted, notAfter: c.notAfter } satisfies CertRecord));
        names.push(name);
      }
    }
    if (names.length) multi.sadd(this.keys.appCerts(appId), ...names);
    await multi.exec();
    await this.redis.publish(this.keys.certsChanged, appId);
  }

  async all(): Promise<Map<string, CertRecord>> {
    const all = await this.redis.hgetall(this.keys.certs);
    return new Map(Object.entries(all).map(([name, json]) => [name, JSON.parse(json) as CertRecord]));
  }
}
