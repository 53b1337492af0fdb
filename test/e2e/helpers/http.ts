/** HTTP to apps through the router under test (by Host header: *.localhost needs no DNS). */
import { request } from 'node:http';
import type { ApiError } from '@gantry/api-client';
import { gantry } from './gantry';

export interface SimpleResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export function get(port: number, host: string, path = '/', headers: Record<string, string> = {}, timeoutMs = 10_000): Promise<SimpleResponse> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host, ...headers }, agent: false, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** GET through the router to an app by name. */
export function appGet(app: string, path = '/', headers: Record<string, string> = {}): Promise<SimpleResponse> {
  return get(gantry().routerPort, `${app}.${gantry().appsDomain}`, path, headers);
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 60_000, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`Timed out waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
}

export interface PollReport {
  total: number;
  statuses: Record<number, number>;
  errors: string[];
  bodies: Set<string>;
}

/**
 * Requests the app over and over (one at a time, new connection each) until `until` settles,
 * recording every status and network error: the client of a zero-downtime check.
 */
export async function pollWhile(app: string, until: Promise<unknown>, path = '/'): Promise<PollReport> {
  const report: PollReport = { total: 0, statuses: {}, errors: [], bodies: new Set() };
  let done = false;
  void until.finally(() => (done = true));
  while (!done) {
    try {
      const r = await appGet(app, path);
      report.statuses[r.status] = (report.statuses[r.status] ?? 0) + 1;
      report.bodies.add(r.body);
    } catch (err) {
      report.errors.push((err as Error).message);
    }
    report.total++;
  }
  return report;
}

/** The HTTP status an API client call ended with: 200 when it succeeded, else the error's. */
export async function statusOf(p: Promise<unknown>): Promise<number> {
  try {
    await p;
    return 200;
  } catch (err) {
    return (err as ApiError).status;
  }
}
