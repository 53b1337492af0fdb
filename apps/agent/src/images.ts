/**
 * Images reach hosts without a registry: an agent whose engine lacks an image streams it from the
 * build host's image server (`docker save` there, `docker load` here). Hosts that have it skip.
 */
import { Readable } from 'node:stream';
import type { Docker } from '@gantry/docker';

export class ImageFetcher {
  private readonly inFlight = new Map<string, Promise<'present' | 'loaded'>>();

  constructor(
    private readonly docker: Docker,
    private readonly imagesUrl: string,
    private readonly secret: string,
  ) {}

  /** Makes sure the engine has `ref`; concurrent calls for one image share a transfer. */
  ensure(ref: string): Promise<'present' | 'loaded'> {
    let p = this.inFlight.get(ref);
    if (!p) {
      p = this.fetch(ref).finally(() => this.inFlight.delete(ref));
      this.inFlight.set(ref, p);
    }
    return p;
  }

  private async fetch(ref: string): Promise<'present' | 'loaded'> {
    try {
      await this.docker.getImage(ref).inspect();
      return 'present';
    } catch {
      /* not here: fetch it */
    }
    const res = await fetch(`${this.imagesUrl.replace(/\/+$/, '')}/images/${encodeURIComponent(ref)}`, {
      headers: { 'x-gantry-secret': this.secret },
    });
    if (!res.ok || !res.body) throw new Error(`image server answered ${res.status} for ${ref}: ${await res.text().catch(() => '')}`);
    const stream = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream);
    const out = await this.docker.loadImage(stream);
    await new Promise<void>((resolve, reject) => this.docker.modem.followProgress(out, (err) => (err ? reject(err) : resolve())));
    await this.docker.getImage(ref).inspect(); // loaded under its tag, or fail loudly
    return 'loaded';
  }
}
