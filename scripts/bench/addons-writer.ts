/**
 * bench:addons' writer loop: POSTs /write?id=N to the pg-counter app (test/fixtures/pg-counter
 * commits one row per id and answers 200 only once it is committed) one after another, through the
 * bench installation's router, and keeps every acknowledged id and when it was acknowledged.
 * After a move or a failover, every acknowledged id must be in the database (the app's /ids).
 *
 *   Writer ─POST /write?id=N─▶ router ─▶ app on H0 ─INSERT─▶ DATABASE_URL (the add-on)
 *      └── acked ids + times ──▶ writePause (longest gap), lostWrites (acked, not in /ids)
 */
import { request } from 'node:http';

/** Where the app answers: the router's port and the Host header `<app>.<appsDomain>`. */
export interface AppAddress {
  port: number;
  host: string;
}

/** One request to the app: its status and body (status 0 when it did not answer in time). */
export function call(to: AppAddress, method: 'GET' | 'POST', path: string, timeoutMs = 5000): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port: to.port, path, method, headers: { host: to.host }, agent: false, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', () => resolve({ status: 0, body: '' }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: 0, body: '' }));
    req.end();
  });
}

/** The longest time between two acknowledged writes (ms), from their acknowledgement times. Pure. */
export function writePause(at: number[]): number {
  let max = 0;
  for (let i = 1; i < at.length; i++) max = Math.max(max, at[i]! - at[i - 1]!);
  return max;
}

/** The acknowledged ids the database does not hold. Pure. */
export function lostWrites(acked: number[], held: number[]): number[] {
  const have = new Set(held);
  return acked.filter((id) => !have.has(id));
}

/** The ids the app's database holds (GET /ids); throws when the app cannot tell. */
export async function heldIds(to: AppAddress): Promise<number[]> {
  const r = await call(to, 'GET', '/ids', 30_000);
  if (r.status !== 200) throw new Error(`GET /ids answered ${r.status}: ${r.body.slice(0, 200)}`);
  return (JSON.parse(r.body) as { ids: number[] }).ids;
}

/** Writes ids one after another from `start` until stopped. */
export class Writer {
  readonly acked: number[] = [];
  readonly at: number[] = [];
  failed = 0;
  private next: number;
  private running = true;
  private readonly done: Promise<void>;
  constructor(
    private readonly to: AppAddress,
    start: number,
  ) {
    this.next = start;
    this.done = this.loop();
  }
  private async loop(): Promise<void> {
    while (this.running) {
      const id = this.next++;
      if ((await call(this.to, 'POST', `/write?id=${id}`)).status === 200) {
        this.acked.push(id);
        this.at.push(Date.now());
      } else {
        this.failed++;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }
  /** When the newest write was acknowledged (0: none yet). */
  lastAckAt(): number {
    return this.at.at(-1) ?? 0;
  }
  /** The next id it would write (after stop: a safe start for the next writer). */
  nextId(): number {
    return this.next;
  }
  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }
}
