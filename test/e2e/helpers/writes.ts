/**
 * Acknowledged writes, for tests of data that must not be lost: a Writer POSTs /write?id=N to an
 * app (the pg-counter fixture commits one row per id) one after another, and keeps every id the
 * app acknowledged and when. After a redeploy, a move or a failover, every acknowledged id must
 * be in the database (the app's /ids).
 */
import { request } from 'node:http';
import type { GantryClient } from '@gantry/api-client';
import { gantry } from './gantry';
import { waitFor } from './http';

/** POSTs to the app through the router: its status and body (status 0 when it did not answer). */
export function post(app: string, path: string, timeoutMs = 5000): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const req = request(
      { host: '127.0.0.1', port: gantry().routerPort, path, method: 'POST', headers: { host: `${app}.${gantry().appsDomain}` }, agent: false, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', () => resolve({ status: 0, body: '' }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: 0, body: '' }));
    req.end();
  });
}

/** Writes ids one after another until stopped; keeps the acknowledged ones and when each was acknowledged. */
export class Writer {
  readonly acked: number[] = [];
  readonly at: number[] = [];
  failed = 0;
  private next: number;
  private running = true;
  private readonly done: Promise<void>;
  constructor(
    private readonly app: string,
    start: number,
  ) {
    this.next = start;
    this.done = this.loop();
  }
  private async loop(): Promise<void> {
    while (this.running) {
      const id = this.next++;
      if ((await post(this.app, `/write?id=${id}`)).status === 200) {
        this.acked.push(id);
        this.at.push(Date.now());
      } else {
        this.failed++;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }
  /** The longest time without an acknowledged write (the write pause), in seconds. */
  pause(): number {
    let max = 0;
    for (let i = 1; i < this.at.length; i++) max = Math.max(max, this.at[i]! - this.at[i - 1]!);
    return max / 1000;
  }
  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }
}

/**
 * Destroys a volume in a test's clean-up, retried while a container still uses it (its app was
 * destroyed first; its instances are stopping). A volume left on `local` would make later files'
 * drains of `local` refuse (it holds data). Unknown volumes count as destroyed; gives up quietly.
 */
export async function destroyVolumeWhenFree(client: GantryClient, name: string, timeoutMs = 60_000): Promise<void> {
  await waitFor(
    `volume ${name} destroyed`,
    async () => {
      try {
        await client.destroyVolume(name, name);
        return true;
      } catch (err) {
        return (err as { status?: number }).status === 404 ? true : null;
      }
    },
    timeoutMs,
    1000,
  ).catch((err: Error) => console.warn(err.message));
}
