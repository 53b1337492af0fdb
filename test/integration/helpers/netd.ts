/**
 * Real netd processes (`apps/netd/src/main.ts`, configured by environment) and a fake upstream
 * resolver the test controls, for test/integration/netd.test.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { Resolver } from 'node:dns/promises';
import { REPO_ROOT } from '@gantry/config';
import { encodeAnswer, parseQuery, RCODE } from '../../../apps/netd/src/dns-wire';
import type { NetdState } from '../../../apps/netd/src/state';
import { until } from './router-processes';

export interface NetdProcess {
  proc: ChildProcess;
  dnsPort: number;
  control: string;
  output(): string;
  kill(): Promise<void>;
}

export async function startNetdProcess(env: Record<string, string>): Promise<NetdProcess> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'apps/netd/src/main.ts'], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  proc.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  proc.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  await until('netd ready', () => {
    if (proc.exitCode !== null) throw new Error(`netd exited ${proc.exitCode}: ${output}`);
    return output.includes('"netd ready"');
  });
  return {
    proc,
    dnsPort: Number(env.NETD_DNS_PORT),
    control: env.NETD_CONTROL!,
    output: () => output,
    async kill() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = once(proc, 'exit');
      proc.kill('SIGKILL');
      await exited;
    },
  };
}

export async function putState(control: string, token: string | null, body: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`http://${control}/state`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

/** A resolver asking `port` on 127.0.0.1 from the source address `from` (who netd thinks asks). */
export function resolverFrom(from: string, port: number): Resolver {
  const r = new Resolver({ timeout: 5000, tries: 1 });
  r.setLocalAddress(from);
  r.setServers([`127.0.0.1:${port}`]);
  return r;
}

/** A DNS server answering every A query with `ip` (UDP and TCP), counting what it was asked. */
export async function startFakeUpstream(port: number, ip: string): Promise<{ asked: string[]; close(): Promise<void> }> {
  const asked: string[] = [];
  const reply = (msg: Buffer) => {
    const p = parseQuery(msg);
    if (!p.ok) return null;
    asked.push(p.query.name);
    return encodeAnswer(p.query, RCODE.NOERROR, [ip]);
  };
  const udp = createSocket('udp4');
  udp.on('message', (msg, rinfo) => {
    const r = reply(msg);
    if (r) udp.send(r, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => udp.bind(port, '127.0.0.1', () => resolve()));
  const tcp = createServer((sock) => {
    sock.on('error', () => {});
    sock.once('data', (buf) => {
      const r = reply(buf.subarray(2));
      if (!r) return void sock.destroy();
      const len = Buffer.alloc(2);
      len.writeUInt16BE(r.length);
      sock.end(Buffer.concat([len, r]));
    });
  });
  await new Promise<void>((resolve) => tcp.listen(port, '127.0.0.1', () => resolve()));
  return {
    asked,
    close: async () => {
      udp.close();
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
    },
  };
}

/** One raw query over TCP (2-byte length prefix); resolves with the reply message. */
export async function tcpQuery(port: number, message: Buffer): Promise<Buffer> {
  const { Socket } = await import('node:net');
  return new Promise((resolve, reject) => {
    const sock = new Socket();
    let got = Buffer.alloc(0);
    sock.setTimeout(5000, () => reject(new Error('tcp query timed out')));
    sock.on('error', reject);
    sock.on('data', (c) => {
      got = Buffer.concat([got, c]);
      if (got.length >= 2 && got.length >= 2 + got.readUInt16BE(0)) {
        sock.destroy();
        resolve(got.subarray(2, 2 + got.readUInt16BE(0)));
      }
    });
    sock.connect(port, '127.0.0.1', () => {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(message.length);
      sock.write(Buffer.concat([len, message]));
    });
  });
}

/** A standard query for `name` (type A unless told), as a stub resolver writes it. */
export function dnsQuery(name: string, type = 1, id = 0x4242): Buffer {
  const labels = name.split('.').flatMap((l) => [Buffer.from([l.length]), Buffer.from(l)]);
  const h = Buffer.alloc(12);
  h.writeUInt16BE(id, 0);
  h.writeUInt16BE(0x0100, 2);
  h.writeUInt16BE(1, 4);
  const tail = Buffer.alloc(5);
  tail.writeUInt16BE(type, 1);
  tail.writeUInt16BE(1, 3);
  return Buffer.concat([h, ...labels, tail]);
}

/** A free port for both UDP and TCP on 127.0.0.1. */
export async function freeDnsPort(): Promise<number> {
  for (;;) {
    const s = createServer().listen(0, '127.0.0.1');
    await once(s, 'listening');
    const port = (s.address() as { port: number }).port;
    const u = createSocket('udp4');
    const ok = await new Promise<boolean>((resolve) => {
      u.once('error', () => resolve(false));
      u.bind(port, '127.0.0.1', () => resolve(true));
    });
    try {
      u.close();
    } catch {
      // never bound
    }
    await new Promise<void>((resolve) => s.close(() => resolve()));
    if (ok) return port;
  }
}

export type { NetdState };
