/**
 * A client that keeps requesting an app through the router (several at a time) and records when
 * each request started and how it ended, to check what failed when.
 */
import { appGet } from './http';

export interface Sample {
  at: number;
  ok: boolean;
  status: number;
  error?: string;
  body?: string;
}

export class Poller {
  readonly samples: Sample[] = [];
  private running = true;
  private readonly workers: Promise<void>[] = [];

  constructor(app: string, concurrency = 2, path = '/') {
    for (let i = 0; i < concurrency; i++) {
      this.workers.push(
        (async () => {
          while (this.running) {
            const at = Date.now();
            try {
              const r = await appGet(app, path);
              this.samples.push({ at, ok: r.status === 200, status: r.status, body: r.body });
            } catch (err) {
              this.samples.push({ at, ok: false, status: 0, error: (err as Error).message });
              await new Promise((r) => setTimeout(r, 20));
            }
          }
        })(),
      );
    }
  }

  async stop(): Promise<Sample[]> {
    this.running = false;
    await Promise.all(this.workers);
    return this.samples;
  }

  static failures(samples: Sample[], after = 0): Sample[] {
    return samples.filter((s) => s.at >= after && !s.ok);
  }
}
