import { randomUUID } from 'node:crypto';
import type { Lock } from '@gantry/live';

/** A push the HTTP side authenticated, waiting for its hook to call in. */
export interface PendingPush {
  appId: string;
  sha: string;
  userId: string;
  email: string;
  /** Resolves when git's HTTP request for this push has finished (refs updated or not). */
  finished: Promise<void>;
}

/** A push whose hook called in: holds the app's push lock until it ends. */
export interface PushSession extends PendingPush {
  id: string;
  appName: string;
  ref: string;
  lock: Lock;
  createdAt: number;
}

const PENDING_TTL_MS = 10 * 60_000;

/**
 * Links the two halves of a push: the authenticated HTTP request (which knows the user) and the
 * pre-receive hook (which knows the refs), by app id and pushed commit.
 */
export class PushRegistry {
  private readonly pending = new Map<string, PendingPush & { at: number }>();
  private readonly sessions = new Map<string, PushSession>();

  register(p: PendingPush): void {
    this.sweep();
    this.pending.set(`${p.appId}:${p.sha}`, { ...p, at: Date.now() });
  }

  take(appId: string, sha: string): PendingPush | undefined {
    const key = `${appId}:${sha}`;
    const p = this.pending.get(key);
    this.pending.delete(key);
    return p;
  }

  open(p: PendingPush, extra: { appName: string; ref: string; lock: Lock }): PushSession {
    const session: PushSession = { ...p, ...extra, id: randomUUID(), createdAt: Date.now() };
    this.sessions.set(session.id, session);
    return session;
  }

  session(id: string): PushSession | undefined {
    return this.sessions.get(id);
  }

  close(id: string): void {
    this.sessions.delete(id);
  }

  private sweep(): void {
    const now = Date.now();
    for (const [k, p] of this.pending) if (now - p.at > PENDING_TTL_MS) this.pending.delete(k);
  }
}
