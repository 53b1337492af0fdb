/**
 * Health checks of instances, run from the host they are on (container address, $PORT): a TCP
 * connect by default, or an HTTP GET when the app configured a path (2xx/3xx is healthy).
 */
import { request } from 'node:http';
import { Socket } from 'node:net';
import { formatDuration } from '@gantry/config';
import type { HealthCheck } from '@gantry/core';
import type { InstanceStatus } from './docker-host';

export type ProbeResult = { ok: true } | { ok: false; detail: string };

export function probeTcp(host: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const s = new Socket();
    const done = (r: ProbeResult) => {
      s.destroy();
      resolve(r);
    };
    s.setTimeout(timeoutMs, () => done({ ok: false, detail: 'connection timed out' }));
    s.once('error', (err: NodeJS.ErrnoException) => done({ ok: false, detail: err.code ?? err.message }));
    s.connect(port, host, () => done({ ok: true }));
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

export function probe(check: HealthCheck, ip: string, port: number, hostHeader: string): Promise<ProbeResult> {
  return check.kind === 'http' && check.path
    ? probeHttp(ip, port, check.path, hostHeader, check.timeoutMs)
    : probeTcp(ip, port, check.timeoutMs);
}

export type BootOutcome = { ok: true; status: InstanceStatus } | { ok: false; reason: string; exitCode: number | null };

export interface WaitHealthyInput {
  check: HealthCheck;
  /** Listening port inside the container, or null for processes that serve nothing. */
  port: number | null;
  hostHeader: string;
  deadlineMs: number;
  status: () => Promise<InstanceStatus | null>;
  /** Processes without a port are up once they kept running this long. */
  settleMs?: number;
}

/** Waits until an instance answers its health check, exits, or runs out of time. */
export async function waitHealthy(input: WaitHealthyInput): Promise<BootOutcome> {
  const started = Date.now();
  const deadline = started + input.deadlineMs;
  if (input.check.initialDelayMs) await sleep(input.check.initialDelayMs);
  let lastDetail = 'no answer yet';
  let failed = 0;
  for (;;) {
    const st = await input.status();
    if (!st) return { ok: false, reason: 'its container disappeared', exitCode: null };
    if (!st.running || st.restarting) return { ok: false, reason: `it exited with code ${st.exitCode ?? '?'}`, exitCode: st.exitCode };
    if (input.port === null) {
      if (Date.now() - started >= (input.settleMs ?? 1500)) return { ok: true, status: st };
    } else if (st.ip) {
      const r = await probe(input.check, st.ip, input.port, input.hostHeader);
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
