/**
 * Requests for an app that sleeps (or is waking), held until it has an instance:
 *
 *   request, route without instances, holdsRequests(route.sleep) ─▶ hold ─▶ ask for a wake
 *   (at once, then every `askEveryMs` while the route still says asleep: a scheduler that was
 *   changing leaders missed nothing)
 *   table applied ─▶ routesChanged(): a held request whose route now has instances (or is
 *                    gone, or no longer holds) is resumed: the proxy answers it as usual
 *   wake timeout ─▶ 503 (wakeTimeoutPage); more than `maxPerApp` waiting ─▶ 503 at once
 *   the client leaves ─▶ cancel()
 *
 * Held requests read nothing of their body: it waits in the socket, as for a free connection.
 */
import { holdsRequests } from '@gantry/core';
import type { Logger } from './log';
import type { ProxiedRequest } from './request';
import type { RouteEntry } from './table';

export interface WakeHoldsOptions {
  /** The route of a hostname as the table has it now. */
  lookup(hostname: string): RouteEntry | undefined;
  /** Asks the scheduler to wake the app (a failure is logged, the ask repeated). */
  requestWake(appId: string, app: string): Promise<void>;
  /** Goes on with a held request on its current route (or answers it when the route is gone). */
  resume(req: ProxiedRequest, route: RouteEntry | undefined): void;
  /** Answers a request that waited the whole wake timeout, or one beyond the bound. */
  giveUp(req: ProxiedRequest, route: RouteEntry, why: 'timeout' | 'backlog'): void;
  log: Logger;
  /** Requests held per app at most; more get 503 at once. */
  maxPerApp?: number;
  askEveryMs?: number;
}

interface Waiting {
  app: string;
  requests: Map<ProxiedRequest, NodeJS.Timeout>;
  asker: NodeJS.Timeout;
}

export class WakeHolds {
  private readonly byApp = new Map<string, Waiting>();
  private readonly maxPerApp: number;
  private readonly askEveryMs: number;

  constructor(private readonly o: WakeHoldsOptions) {
    this.maxPerApp = o.maxPerApp ?? 500;
    this.askEveryMs = o.askEveryMs ?? 2000;
  }

  /** Whether a request for this route (which has no instances) should wait for a wake. */
  shouldHold(route: RouteEntry, now = Date.now()): boolean {
    return holdsRequests(route.sleep, now);
  }

  /** Number of requests held now (all apps). */
  get size(): number {
    let n = 0;
    for (const w of this.byApp.values()) n += w.requests.size;
    return n;
  }

  hold(req: ProxiedRequest, route: RouteEntry): void {
    let waiting = this.byApp.get(route.appId);
    if (waiting === undefined) {
      waiting = { app: route.app, requests: new Map(), asker: setInterval(() => this.askAgain(route.appId), this.askEveryMs) };
      waiting.asker.unref();
      this.byApp.set(route.appId, waiting);
      this.ask(route.appId, route.app);
    }
    if (waiting.requests.size >= this.maxPerApp) return this.o.giveUp(req, route, 'backlog');
    const timeoutMs = route.sleep!.wakeTimeoutMs;
    req.wakeHeld = true;
    waiting.requests.set(req, setTimeout(() => this.timedOut(req), timeoutMs));
  }

  /** The client left (or the request was answered otherwise): forgets it. */
  cancel(req: ProxiedRequest): void {
    if (!req.wakeHeld) return;
    req.wakeHeld = false;
    const appId = req.route?.appId ?? '';
    const waiting = this.byApp.get(appId);
    const timer = waiting?.requests.get(req);
    if (timer !== undefined) clearTimeout(timer);
    waiting?.requests.delete(req);
    if (waiting !== undefined && waiting.requests.size === 0) this.forget(appId);
  }

  /** After every change of the table: held requests whose route can now answer go on. */
  routesChanged(): void {
    if (this.byApp.size === 0) return;
    const now = Date.now();
    for (const [appId, waiting] of [...this.byApp]) {
      for (const req of [...waiting.requests.keys()]) {
        const route = this.o.lookup(req.route!.hostname);
        if (route !== undefined && route.pool.backends.length === 0 && this.shouldHold(route, now)) continue;
        this.cancel(req);
        this.o.resume(req, route);
      }
      if (waiting.requests.size > 0) continue;
      this.forget(appId);
    }
  }

  /** Answers everything still held (the router is stopping): as a timeout. */
  close(): void {
    for (const waiting of [...this.byApp.values()]) {
      for (const req of [...waiting.requests.keys()]) this.timedOut(req);
    }
  }

  private timedOut(req: ProxiedRequest): void {
    const route = req.route!;
    this.cancel(req);
    this.o.giveUp(req, route, 'timeout');
  }

  private forget(appId: string): void {
    const waiting = this.byApp.get(appId);
    if (waiting === undefined) return;
    clearInterval(waiting.asker);
    this.byApp.delete(appId);
  }

  private askAgain(appId: string): void {
    const waiting = this.byApp.get(appId);
    if (waiting === undefined) return;
    const [first] = waiting.requests.keys();
    const route = first === undefined ? undefined : this.o.lookup(first.route!.hostname);
    if (route?.sleep?.asleep === true) this.ask(appId, waiting.app, true);
  }

  private ask(appId: string, app: string, again = false): void {
    if (!again) this.o.log.info(`at=info code=wake desc="holding requests while the app wakes" app=${app}`);
    this.o.requestWake(appId, app).catch((err: unknown) => {
      this.o.log.warn(`at=warn code=wake_request_failed app=${app} error=${JSON.stringify(err instanceof Error ? err.message : String(err))}`);
    });
  }
}
