/**
 * The thin socket adapters behind a DrainWorker: syslog over TCP or TLS (one long-lived
 * connection, reopened after any failure) and HTTP(S) POSTs. Every wait has a deadline: connect,
 * each write (a collector that accepts but never reads fills the socket buffers, then times out),
 * and each HTTP request. The bytes come from the pure formatters in syslog.ts and logplex.ts.
 * Every connection goes through the egress policy (core/egress): an IP literal is checked before
 * connecting, a name by the guarded lookup on the very addresses the socket then connects to. A
 * refused destination is never contacted; the refusal is the drain's error (Rejected: the batch
 * is dropped, the worker backs off).
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { assertDestination, DEFAULT_POLICY, DestinationRefused, guardedLookup, type DrainTarget, type EgressPolicy } from '@gantry/core';
import type { LogEntry } from '@gantry/live';
import { logplexRequest } from './logplex';
import { framedBatch } from './syslog';
import { Rejected, type Transport } from './worker';

export interface TransportOptions {
  connectTimeoutMs: number;
  writeTimeoutMs: number;
  /** Extra trusted CAs for syslog+tls and https drains (PEM); the system's are trusted as well. */
  ca?: string | string[];
  /** The egress policy at the time of a connect (cached by the caller; control's loadEgressPolicy). */
  egress: () => Promise<EgressPolicy>;
}

export const DEFAULT_TRANSPORT_OPTIONS: TransportOptions = { connectTimeoutMs: 5_000, writeTimeoutMs: 10_000, egress: async () => DEFAULT_POLICY };

const WHAT = 'drain destination';

/** A refusal drops the batch (no quick retries against a destination that is not allowed). */
const refusedOr = (err: Error, other: () => Error): Error => (err instanceof DestinationRefused ? new Rejected(err.message) : other());

export function transportFor(target: DrainTarget, token: string, opts: TransportOptions = DEFAULT_TRANSPORT_OPTIONS): Transport {
  return target.kind === 'syslog' ? new SyslogTransport(target, token, opts) : new HttpTransport(target.url, token, opts);
}

export class SyslogTransport implements Transport {
  private socket: net.Socket | undefined;
  /** The connection being opened, so close() can abort it. */
  private opening: net.Socket | undefined;
  private closed = false;

  constructor(
    private readonly target: { tls: boolean; host: string; port: number },
    private readonly token: string,
    private readonly opts: TransportOptions,
  ) {}

  async send(entries: LogEntry[]): Promise<void> {
    if (this.socket && (this.socket.destroyed || !this.socket.writable)) this.reset();
    const socket = this.socket ?? (this.socket = await this.connect());
    const data = framedBatch(entries, this.token);
    if (socket.write(data)) return;
    // The collector is not keeping up: wait for the buffer to empty, up to the write timeout.
    await this.within(socket, this.opts.writeTimeoutMs, 'drain', `write timed out after ${this.opts.writeTimeoutMs} ms (the collector does not read)`);
  }

  close(): void {
    this.closed = true;
    this.reset();
  }

  private reset(): void {
    this.socket?.destroy();
    this.socket = undefined;
    this.opening?.destroy();
    this.opening = undefined;
  }

  private async connect(): Promise<net.Socket> {
    if (this.closed) throw new Error('closed');
    const { host, port } = this.target;
    const policy = await this.opts.egress();
    try {
      assertDestination(policy, host, WHAT);
    } catch (err) {
      throw refusedOr(err as Error, () => err as Error);
    }
    if (this.closed) throw new Error('closed');
    const lookup = guardedLookup(() => policy, WHAT);
    const socket = this.target.tls
      ? tls.connect({ host, port, lookup, servername: net.isIP(host) ? undefined : host, ...(this.opts.ca ? { ca: [...tls.rootCertificates, ...[this.opts.ca].flat()] } : {}) })
      : net.connect({ host, port, lookup });
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 30_000);
    // Collectors send nothing we need; read and discard so their writes never stall.
    socket.resume();
    socket.on('error', () => {});
    socket.on('close', () => {
      if (this.socket === socket) this.socket = undefined;
    });
    this.opening = socket;
    try {
      await this.within(socket, this.opts.connectTimeoutMs, this.target.tls ? 'secureConnect' : 'connect', `connect to ${host}:${port} timed out after ${this.opts.connectTimeoutMs} ms`);
    } finally {
      if (this.opening === socket) this.opening = undefined;
    }
    if (this.closed) {
      socket.destroy();
      throw new Error('closed');
    }
    return socket;
  }

  /** Resolves on `event`; on error, close or timeout the socket is dropped and the promise rejects. */
  private within(socket: net.Socket, ms: number, event: string, timeoutMessage: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const finish = (err?: Error) => {
        clearTimeout(timer);
        socket.off(event, onEvent);
        socket.off('error', onError);
        socket.off('close', onClose);
        if (!err) return resolve();
        if (this.socket === socket) this.socket = undefined;
        socket.destroy();
        reject(err);
      };
      const onEvent = () => finish();
      const onError = (err: Error) => finish(refusedOr(err, () => new Error(`${this.target.host}:${this.target.port}: ${err.message}`)));
      const onClose = () => finish(new Error(`${this.target.host}:${this.target.port}: connection closed`));
      const timer = setTimeout(() => finish(new Error(timeoutMessage)), ms);
      socket.once(event, onEvent);
      socket.once('error', onError);
      socket.once('close', onClose);
    });
  }
}

export class HttpTransport implements Transport {
  private readonly agent: http.Agent;
  private readonly inflight = new Set<http.ClientRequest>();
  /** A batch keeps its Logplex-Frame-Id across retries, so collectors can drop duplicates. */
  private readonly frameIds = new WeakMap<LogEntry[], string>();

  constructor(
    private readonly url: string,
    private readonly token: string,
    private readonly opts: TransportOptions,
  ) {
    const isHttps = url.startsWith('https:');
    this.agent = isHttps ? new https.Agent({ keepAlive: true, maxSockets: 1, ...(opts.ca ? { ca: [...tls.rootCertificates, ...[opts.ca].flat()] } : {}) }) : new http.Agent({ keepAlive: true, maxSockets: 1 });
  }

  async send(entries: LogEntry[]): Promise<void> {
    const policy = await this.opts.egress();
    const u = new URL(this.url);
    try {
      assertDestination(policy, u.hostname, WHAT);
    } catch (err) {
      throw refusedOr(err as Error, () => err as Error);
    }
    return this.post(entries, u, policy);
  }

  private post(entries: LogEntry[], u: URL, policy: EgressPolicy): Promise<void> {
    let frameId = this.frameIds.get(entries);
    if (!frameId) this.frameIds.set(entries, (frameId = randomUUID()));
    const { headers, body } = logplexRequest(entries, this.token, frameId);
    const request = u.protocol === 'https:' ? https.request : http.request;
    const lookup = guardedLookup(() => policy, WHAT);
    return new Promise<void>((resolve, reject) => {
      const req = request(u, { method: 'POST', headers, agent: this.agent, lookup }, (res) => {
        res.resume();
        res.on('end', () => {
          clearTimeout(timer);
          this.inflight.delete(req);
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve();
          else if (status >= 400 && status < 500 && status !== 408 && status !== 429) reject(new Rejected(`HTTP ${status} from the collector`));
          else reject(new Error(`HTTP ${status} from the collector`));
        });
        res.on('error', (err) => fail(err));
      });
      const fail = (err: Error) => {
        clearTimeout(timer);
        this.inflight.delete(req);
        req.destroy();
        reject(refusedOr(err, () => err));
      };
      // One deadline for the whole request: connect, upload and answer.
      const timer = setTimeout(() => fail(new Error(`request timed out after ${this.opts.connectTimeoutMs + this.opts.writeTimeoutMs} ms`)), this.opts.connectTimeoutMs + this.opts.writeTimeoutMs);
      this.inflight.add(req);
      req.on('error', (err) => fail(err));
      req.end(body);
    });
  }

  close(): void {
    for (const req of this.inflight) req.destroy(new Error('closed'));
    this.inflight.clear();
    this.agent.destroy();
  }
}
