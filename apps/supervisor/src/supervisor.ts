/**
 * Runs Gantry's services as child processes, restarts any that exits (with backoff when it
 * keeps crashing), appends their output to GANTRY_HOME/logs/<service>.log, and stops them all
 * gracefully on SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, renameSync, statSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '@gantry/log';
import { backoffMs, serviceArgv, type ServiceDef } from './services';

const STABLE_AFTER_MS = 60_000;
const STOP_GRACE_MS = 25_000;
const ROTATE_BYTES = 50 * 1024 * 1024;

interface Running {
  def: ServiceDef;
  child: ChildProcess | null;
  startedAt: number;
  crashes: number;
  log: WriteStream;
  removed: boolean;
}

export class Supervisor {
  private readonly running = new Map<string, Running>();
  private stopping = false;

  constructor(
    private readonly opts: { root: string; logsDir: string; env: NodeJS.ProcessEnv; log: Logger; /** The production build's directory; without it, services run through tsx. */ dist?: string },
    private readonly services: readonly ServiceDef[],
  ) {}

  start(): void {
    for (const def of this.services) this.add(def);
  }

  /** Starts supervising one more service (no-op if it runs already). */
  add(def: ServiceDef): void {
    if (this.running.has(def.name) || this.stopping) return;
    const path = join(this.opts.logsDir, `${def.name}.log`);
    rotateIfLarge(path);
    const r: Running = { def, child: null, startedAt: 0, crashes: 0, log: createWriteStream(path, { flags: 'a' }), removed: false };
    this.running.set(def.name, r);
    this.spawn(r);
  }

  /** Stops a service for good (SIGTERM) and forgets it. */
  remove(name: string): void {
    const r = this.running.get(name);
    if (!r) return;
    r.removed = true;
    this.running.delete(name);
    r.child?.kill('SIGTERM');
    this.opts.log.info(`stopping ${name} (no longer wanted)`);
  }

  names(): string[] {
    return [...this.running.keys()];
  }

  private spawn(r: Running): void {
    const [cmd, ...args] = serviceArgv(this.opts.root, r.def, this.opts.dist);
    const child = spawn(cmd!, args, { cwd: this.opts.root, env: { ...this.opts.env, ...r.def.env, GANTRY_SERVICE: r.def.name, GANTRY_PARTS: r.def.parts.join(',') }, stdio: ['ignore', 'pipe', 'pipe'] });
    r.child = child;
    r.startedAt = Date.now();
    child.stdout!.pipe(r.log, { end: false });
    child.stderr!.pipe(r.log, { end: false });
    this.opts.log.info(`started ${r.def.name} (pid ${child.pid})`);
    child.on('exit', (code, signal) => {
      r.child = null;
      if (this.stopping || r.removed) {
        if (r.removed) r.log.end();
        return;
      }
      const quick = Date.now() - r.startedAt < STABLE_AFTER_MS;
      r.crashes = quick ? r.crashes + 1 : 1;
      const delay = backoffMs(r.crashes);
      this.opts.log.warn(`${r.def.name} exited (${signal ?? `code ${code}`}); restarting in ${delay} ms`);
      setTimeout(() => !this.stopping && !r.removed && this.spawn(r), delay);
    });
  }

  /** SIGTERM to every service, SIGKILL to those still running after the grace period. */
  async stop(): Promise<void> {
    this.stopping = true;
    const exits = [...this.running.values()].map(
      (r) =>
        new Promise<void>((resolve) => {
          const c = r.child;
          if (!c) return resolve();
          const kill = setTimeout(() => c.kill('SIGKILL'), STOP_GRACE_MS);
          c.once('exit', () => {
            clearTimeout(kill);
            resolve();
          });
          c.kill('SIGTERM');
        }),
    );
    await Promise.all(exits);
    for (const r of this.running.values()) r.log.end();
  }
}

function rotateIfLarge(path: string): void {
  try {
    if (statSync(path).size > ROTATE_BYTES) renameSync(path, `${path}.1`);
  } catch {
    /* no log yet */
  }
}
