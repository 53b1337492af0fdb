/**
 * An open-loop load through the router: GET <path> at a set rate whatever the answers take (as
 * users arrive on a website, not a fixed number of clients each waiting for its answer), every
 * request on its own keep-alive connection if needed (no client-side queue), each one recorded:
 * when it was sent, how long its answer took, its status, and which instance served it (the
 * "dyno" field of a JSON body, as the saturating-app fixture answers).
 *
 * Sending is paced by catching up to rate x elapsed time every 5 ms, so the rate holds on
 * average even when timers fire late; `setRate` starts a new step from that moment.
 * Used by e2e/autoscale and npm run bench:autoscale.
 */
import { Agent, request } from 'node:http';
import type { LatencySample } from './latency';

export interface LoadSample extends LatencySample {
  /** HTTP status, 0 when no answer came (timeout, connection error). */
  status: number;
  /** The instance that answered (the body's "dyno"), when it said. */
  dyno?: string;
  error?: string;
}

export interface LoadTarget {
  port: number;
  /** Host header: the app's hostname. */
  host: string;
  path?: string;
  /** A request with no answer by then is given up and counted failed (ms). */
  timeoutMs: number;
}

const TICK_MS = 5;

export class OpenLoad {
  readonly samples: LoadSample[] = [];
  private readonly agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  private timer: NodeJS.Timeout | undefined;
  private rate = 0;
  private since = 0;
  private sentSince = 0;
  private outstanding = 0;
  private drained: (() => void) | undefined;

  constructor(private readonly target: LoadTarget, perSecond: number) {
    this.setRate(perSecond);
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  /** Changes the rate from now on (a load step). */
  setRate(perSecond: number): void {
    this.rate = perSecond;
    this.since = performance.now();
    this.sentSince = 0;
  }

  get inflight(): number {
    return this.outstanding;
  }

  /** Stops sending and waits for the requests under way (each ends by its timeout at the latest). */
  async stop(): Promise<LoadSample[]> {
    clearInterval(this.timer);
    this.timer = undefined;
    if (this.outstanding > 0) await new Promise<void>((r) => (this.drained = r));
    this.agent.destroy();
    return this.samples;
  }

  private tick(): void {
    const due = Math.floor(((performance.now() - this.since) / 1000) * this.rate);
    for (; this.sentSince < due; this.sentSince++) this.send();
  }

  private send(): void {
    const at = performance.now();
    this.outstanding++;
    let settled = false;
    const done = (s: Omit<LoadSample, 'at' | 'ms' | 'ok'>) => {
      if (settled) return;
      settled = true;
      this.samples.push({ at, ms: performance.now() - at, ok: s.status === 200, ...s });
      if (--this.outstanding === 0) this.drained?.();
    };
    const req = request({ host: '127.0.0.1', port: this.target.port, path: this.target.path ?? '/', headers: { host: this.target.host }, agent: this.agent, timeout: this.target.timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => done({ status: res.statusCode ?? 0, dyno: dynoOf(body) }));
      res.on('error', (err) => done({ status: 0, error: err.message }));
    });
    // The whole exchange is bounded, not only socket inactivity: a queued request sends nothing.
    const deadline = setTimeout(() => req.destroy(new Error('timeout')), this.target.timeoutMs);
    req.on('close', () => clearTimeout(deadline));
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err) => done({ status: 0, error: err.message }));
    req.end();
  }
}

function dynoOf(body: string): string | undefined {
  try {
    const d = (JSON.parse(body) as { dyno?: unknown }).dyno;
    return typeof d === 'string' ? d : undefined;
  } catch {
    return undefined;
  }
}
