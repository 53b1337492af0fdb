/**
 * Runs tasks (release phase, app.json scripts, cron runs) on the cluster's hosts: picks an up
 * host, gives it the task once, and follows the task's stream until its result.
 *
 *   start(req) ──claim host (once per task id)──▶ "task" command ──▶ agent (apps/agent/src/tasks.ts)
 *   wait(id)   ◀── task stream (lines, then the result) ◀───────────────┘
 *
 * Idempotent per task id: a caller that restarts and starts the same task again reaches the same
 * host, whose agent sees the task ran or runs already; wait() replays its output from the start.
 */
import { randomBytes } from 'node:crypto';
import { DEFAULT_SIZE, Unavailable } from '@gantry/core';
import type { Db } from '@gantry/db';
import type { AgentCommands } from '@gantry/jobs';
import { type AllocationStore, type HostRegistry, type TaskResult, TaskStreams, hostIsUp } from '@gantry/live';
import { type Launcher, launcherOf, taskSpec } from '@gantry/scheduler-core';
import type { Redis } from 'ioredis';

export interface TaskRequest {
  /** Deterministic: the same id always runs once, on one host. */
  taskId: string;
  app: { id: string; name: string };
  release: { id: string; version: number; imageRef: string; config: Record<string, string>; launcher: Launcher };
  /** DYNO name: "release", "postdeploy", "cron.3"... */
  process: string;
  /** A command line, run as a Procfile command is. */
  command: string;
  logSource: 'release' | 'cron' | 'gantry';
  timeoutMs: number;
  size?: string;
}

/** A release row (with its build's strategy) as a task runs it; null when it has no image. */
export function taskRelease(r: { id: string; version: number; imageRef: string | null; config: unknown; build?: { strategy: string | null } | null }): TaskRequest['release'] | null {
  if (!r.imageRef) return null;
  return { id: r.id, version: r.version, imageRef: r.imageRef, config: r.config as Record<string, string>, launcher: launcherOf(r.build?.strategy) };
}

export interface TaskRunnerDeps {
  db: Db;
  redis: Redis;
  /** Reads block: a connection of its own per waiter is made from this. */
  connect: (name: string) => Redis;
  streams: TaskStreams;
  registry: HostRegistry;
  allocs: AllocationStore;
  commands: AgentCommands;
  installation: string;
  graceMs: number;
  networks?: { forTeam(teamId: string): Promise<{ name: string; subnet: string }> };
}

export class TaskRunner {
  constructor(private readonly deps: TaskRunnerDeps) {}

  /** The app's team network; a task runs without one rather than not at all. */
  private async networkOf(appId: string): Promise<{ name: string; subnet: string } | undefined> {
    if (!this.deps.networks) return undefined;
    try {
      const app = await this.deps.db.app.findUnique({ where: { id: appId }, select: { teamId: true } });
      if (!app) return undefined;
      const n = await this.deps.networks.forTeam(app.teamId);
      return { name: n.name, subnet: n.subnet };
    } catch {
      return undefined;
    }
  }

  async start(req: TaskRequest): Promise<{ hostId: string }> {
    const { deps } = this;
    const hostId = await deps.streams.claimHost(req.taskId, await this.pickHost(req.app.id, req.release.id));
    const network = await this.networkOf(req.app.id);
    const spec = taskSpec({
      installation: deps.installation,
      taskId: req.taskId,
      app: req.app,
      release: req.release,
      launcher: req.release.launcher,
      process: req.process,
      command: req.command,
      size: req.size ?? DEFAULT_SIZE,
      suffix: randomBytes(3).toString('hex'),
      network,
    });
    await deps.commands.send(hostId, {
      kind: 'task',
      epoch: 0,
      allocId: req.taskId,
      appId: req.app.id,
      appName: req.app.name,
      process: req.process,
      logSource: req.logSource,
      spec,
      timeoutMs: req.timeoutMs,
    });
    return { hostId };
  }

  /** Follows the task from its first line to its result. */
  async wait(taskId: string, onLine: (line: string) => void | Promise<void> = () => {}, signal?: AbortSignal): Promise<TaskResult> {
    const conn = this.deps.connect(`gantry-task-${taskId.slice(0, 40)}`);
    try {
      return await this.deps.streams.follow(conn, taskId, onLine, signal);
    } finally {
      conn.disconnect();
    }
  }

  async run(req: TaskRequest, onLine?: (line: string) => void | Promise<void>, signal?: AbortSignal): Promise<TaskResult> {
    await this.start(req);
    return this.wait(req.taskId, onLine, signal);
  }

  /** An up, undrained host: one that runs this release (it has the image) first, else any. */
  private async pickHost(appId: string, releaseId: string): Promise<string> {
    const rows = await this.deps.db.host.findMany({ where: { draining: false }, orderBy: { name: 'asc' } });
    const beats = await this.deps.registry.beats(rows.map((h) => h.id));
    const now = Date.now();
    const up = rows.filter((h) => hostIsUp(beats.get(h.id), now, this.deps.graceMs));
    if (up.length === 0) throw new Unavailable('No host is up to run the task on.');
    const mine = new Set((await this.deps.allocs.ofApp(appId)).filter((a) => a.releaseId === releaseId).map((a) => a.hostId));
    const withImage = up.filter((h) => mine.has(h.id));
    const pool = withImage.length ? withImage : up;
    return pool[Math.floor(Math.random() * pool.length)]!.id;
  }
}
