/**
 * The forwarder: keeps one AppReader per app that has drains and one DrainWorker per drain, as
 * the database says (planDrains), and fans every line an app's reader gets out to that app's
 * drains. Nothing on this path waits on a collector: readers push into bounded queues.
 */
import type { Redis } from 'ioredis';
import { parseDrainUrl, redactDrainUrl } from '@gantry/core';
import type { AppLogs, LogEntry } from '@gantry/live';
import type { Logger } from '@gantry/log';
import { AppReader } from './reader';
import { planDrains, type DrainSpec } from './reconcile';
import { DrainWorker, type Transport, type WorkerOptions, type WorkerStats } from './worker';

/** Where the forwarder learns which drains exist (the database in production). */
export interface DrainSource {
  /** Every drain, or the drains of one app. */
  load(appId?: string): Promise<DrainSpec[]>;
}

export interface ForwarderDeps {
  source: DrainSource;
  logs: AppLogs;
  /** Opens a dedicated Redis connection for one app's reader. */
  connect: (name: string) => Redis;
  transportFor: (spec: DrainSpec, target: ReturnType<typeof parseDrainUrl>['target']) => Transport;
  log: Logger;
  worker?: WorkerOptions;
  blockMs?: number;
}

interface Running {
  spec: DrainSpec;
  worker: DrainWorker;
}

export class Forwarder {
  private readonly drains = new Map<string, Running>();
  private readonly readers = new Map<string, AppReader>();
  private chain: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly deps: ForwarderDeps) {}

  /** Brings the running drains in line with the source: all apps, or one. Syncs run one at a time. */
  sync(appId?: string): Promise<void> {
    const next = this.chain.then(() => this.syncNow(appId));
    this.chain = next.catch(() => {});
    return next;
  }

  stats(): Map<string, WorkerStats & { appId: string }> {
    return new Map([...this.drains].map(([id, r]) => [id, { ...r.worker.stats(), appId: r.spec.appId }]));
  }

  get size(): number {
    return this.drains.size;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    // Readers first: a sync waiting for a reader's start (Redis down) then finishes at once.
    const stopReaders = () => Promise.all([...this.readers.values()].map((r) => r.stop()));
    await stopReaders();
    await this.chain;
    await stopReaders();
    this.readers.clear();
    await Promise.all([...this.drains.values()].map((r) => r.worker.stop()));
    this.drains.clear();
  }

  private async syncNow(appId?: string): Promise<void> {
    if (this.stopped) return;
    const desired = await this.deps.source.load(appId);
    const plan = planDrains(desired, new Map([...this.drains].map(([id, r]) => [id, r.spec])), appId);
    for (const id of plan.stop) {
      const r = this.drains.get(id)!;
      this.drains.delete(id);
      await r.worker.stop();
      this.deps.log.info(`stopped drain ${redactDrainUrl(r.spec.url)} of ${r.spec.appName}`);
    }
    for (const spec of plan.start) {
      let target;
      try {
        target = parseDrainUrl(spec.url).target;
      } catch (err) {
        this.deps.log.warn(`drain ${spec.id} of ${spec.appName}: ${(err as Error).message}`);
        continue;
      }
      this.drains.set(spec.id, { spec, worker: new DrainWorker(spec.id, this.deps.transportFor(spec, target), this.deps.worker) });
      this.deps.log.info(`forwarding ${spec.appName} to ${redactDrainUrl(spec.url)}`);
    }
    await this.syncReaders();
  }

  /** A reader for each app with drains, none for apps without. */
  private async syncReaders(): Promise<void> {
    const apps = new Set([...this.drains.values()].map((r) => r.spec.appId));
    for (const [appId, reader] of this.readers) {
      if (apps.has(appId)) continue;
      this.readers.delete(appId);
      await reader.stop();
    }
    const started: AppReader[] = [];
    for (const appId of apps) {
      if (this.readers.has(appId) || this.stopped) continue;
      const reader = new AppReader({
        logs: this.deps.logs,
        conn: this.deps.connect(`gantry-drains-${appId}`),
        appId,
        sink: (entries) => this.fanOut(appId, entries),
        onError: (err) => this.deps.log.warn(`reading the logs of ${appId}: ${err.message}`),
        ...(this.deps.blockMs ? { blockMs: this.deps.blockMs } : {}),
      });
      this.readers.set(appId, reader);
      started.push(reader);
    }
    // A sync returns once new readers know where they start: lines appended after it are forwarded.
    await Promise.all(started.map((r) => r.ready));
  }

  private fanOut(appId: string, entries: LogEntry[]): void {
    for (const r of this.drains.values()) if (r.spec.appId === appId) r.worker.push(entries);
  }
}
