/**
 * Health probes of instances: a TCP connect by default, or an HTTP GET when the app configured a
 * path (2xx/3xx is healthy). An agent on the engine's own machine probes the container address;
 * one reaching its engine over the network probes the published port on the host's address.
 */
import { request } from 'node:http';
import { Socket } from 'node:net';
import { formatDuration } from '@gantry/config';
import type { HealthCheck } from '@gantry/core';
import type { InstanceStatus } from './docker-host';

export type ProbeResult = { ok: true } | { ok: false; detail: string };

/**
 * TCP check. A proxy in front of the port (Docker's userland proxy) accepts the connection even
 * when nothing listens behind it, then closes it at once: so a connection only counts when it
 * stays open for `lingerMs` (0 = connect is enough, for direct container addresses).
 */
export function probeTcp(host: string, port: number, timeoutMs: number, lingerMs = 0): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const s = new Socket();
    let settled = false;
    const done = (r: ProbeResult) => {
      if (settled) return;
      settled = true;
      s.destroy();
      resolve(r);
    };
    s.setTimeout(timeoutMs, () => done({ ok: false, detail: 'connection timed out' }));
    s.once('error', (err: NodeJS.ErrnoException) => done({ ok: false, detail: err.code ?? err.message }));
    s.once('end', () => done({ ok: false, detail: 'connection closed at once (nothing listening behind the port)' }));
    s.once('close', () => done({ ok: false, detail: 'connection closed at once (nothing listening behind the port)' }));
    s.connect(port, host, () => {
      if (lingerMs === 0) return done({ ok: true });
      setTimeout(() => done({ ok: true }), lingerMs);
    });
  });
}

export function probeHttp(host: string, port: number, path: string, hostHeader: string, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const req = request({ host, port, path, method: 'GET', headers: { host: hostHeader, 'user-agent': 'gantry-health' }, timeout: timeoutMs }, (res) => {
      res.resume();
      const code = res.statusCode ?? 0;
      resolve(code >= 200 && code < 400 ? { ok: true } : { ok: false, detail: `GET ${path} answered ${code}` });
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ ok: false, detail: err.code ?? err.message }));
    req.end();
  });
}

export interface ProbeTarget {
  host: string;
  port: number;
  /** The target is a proxy (published port): TCP checks must see the connection stay open. */
  proxied: boolean;
}

export function probe(check: Pick<HealthCheck, 'kind' | 'path' | 'timeoutMs'>, target: ProbeTarget, hostHeader: string): Promise<ProbeResult> {
  return check.kind === 'http' && check.path
    ? probeHttp(target.host, target.port, check.path, hostHeader, check.timeoutMs)
    : probeTcp(target.host, target.port, check.timeoutMs, target.proxied ? 150 : 0);
}

export type BootOutcome = { ok: true; status: InstanceStatus } | { ok: false; reason: string; exitCode: number | null; gone?: true };

export interface WaitHealthyInput {
  check: HealthCheck;
  /** Where to probe, from a fresh status; null for processes that serve nothing. */
  target: ((st: InstanceStatus) => ProbeTarget | null) | null;
  hostHeader: string;
  deadlineMs: number;
  status: () => Promise<InstanceStatus | null>;
  /** Processes without a port are up once they kept running this long. */
  settleMs?: number;
  /** Stops waiting early (the instance is being stopped). */
  cancelled?: () => boolean;
}

/** Waits until an instance answers its health check, exits, or runs out of time. */
export async function waitHealthy(input: WaitHealthyInput): Promise<BootOutcome> {
  const started = Date.now();
  const deadline = started + input.deadlineMs;
  if (input.check.initialDelayMs) await sleep(input.check.initialDelayMs);
  let lastDetail = 'no answer yet';
  let failed = 0;
  for (;;) {
    if (input.cancelled?.()) return { ok: false, reason: 'it was stopped while starting', exitCode: null };
    // An engine that cannot be asked (restarting) is no verdict on the instance: ask again until the deadline.
    const st = await input.status().catch((err: Error) => {
      lastDetail = `its Docker engine did not answer (${err.message})`;
      return undefined;
    });
    if (st === null) return { ok: false, reason: 'its container disappeared', exitCode: null, gone: true };
    if (st === undefined) {
      if (Date.now() >= deadline) return { ok: false, reason: `not checked within ${formatDuration(input.deadlineMs)} (last: ${lastDetail})`, exitCode: null };
      await sleep(input.check.intervalMs);
      continue;
    }
    if (!st.running || st.restarting) return { ok: false, reason: `it exited with code ${st.exitCode ?? '?'}`, exitCode: st.exitCode };
    const target = input.target ? input.target(st) : null;
    if (input.target === null) {
      if (Date.now() - started >= (input.settleMs ?? 1500)) return { ok: true, status: st };
    } else if (target) {
      const r = await probe(input.check, target, input.hostHeader);
      if (r.ok) return { ok: true, status: st };
      lastDetail = r.detail;
      failed++;
      if (input.check.attempts && failed >= input.check.attempts) {
        return { ok: false, reason: `its health check failed ${failed} times (last: ${lastDetail})`, exitCode: null };
      }
    }
    if (Date.now() >= deadline) {
      const what = input.check.kind === 'http' ? `GET ${input.check.path} did not succeed` : 'nothing answered on $PORT';
      return { ok: false, reason: `${what} within ${formatDuration(input.deadlineMs)} (last: ${lastDetail})`, exitCode: null };
    }
    await sleep(input.check.intervalMs);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
