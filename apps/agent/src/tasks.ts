/**
 * Tasks on this host: containers run to completion (release phase, app.json scripts, cron runs).
 * The agent owns them from start to removal; the scheduler only asks and reads the result.
 *
 *   task command ─▶ image ─▶ container (labels: task id, app, process, source, deadline)
 *        ─▶ output ─▶ task stream + app log ─▶ exit / deadline (kill) ─▶ result ─▶ remove
 *
 * The command's job ends as soon as the container runs (long tasks must not hold the command
 * queue). An agent that restarts finds its task containers by label and follows them again
 * (`adopt`), so a task ends with a result even when its agent died in between.
 */
import type { TaskCommand } from '@gantry/jobs';
import type { AppLogs, LogSource, TaskResult, TaskStreams } from '@gantry/live';
import type { Logger } from '@gantry/log';
import type { DockerHost, HostContainer } from './docker-host';
import type { ImageFetcher } from './images';

export interface TasksDeps {
  hostId: string;
  host: DockerHost;
  images: ImageFetcher;
  streams: TaskStreams;
  logs: Pick<AppLogs, 'appendLines'>;
  log: Pick<Logger, 'info' | 'warn'>;
}

interface Running {
  taskId: string;
  appId: string;
  process: string;
  source: LogSource;
  containerId: string;
  startedAt: number;
  deadline: number;
  /** Output from this time on is new to the stream (a restarted agent does not send lines twice). */
  since: number;
}

const LABEL = { id: 'gantry.task.id', process: 'gantry.task.process', source: 'gantry.task.source', deadline: 'gantry.task.deadline', started: 'gantry.task.started' };

export class Tasks {
  private readonly running = new Map<string, Running>();
  /** Tasks whose container is being created: adopt() must not take them (two followers would both report). */
  private readonly starting = new Set<string>();

  constructor(private readonly deps: TasksDeps) {}

  /** Handles a task command: starts the container (or finds it) and follows it in the background. */
  async start(cmd: TaskCommand): Promise<string> {
    if (this.running.has(cmd.allocId) || this.starting.has(cmd.allocId)) return 'already running';
    this.starting.add(cmd.allocId);
    try {
      return await this.startOnce(cmd);
    } finally {
      this.starting.delete(cmd.allocId);
    }
  }

  private async startOnce(cmd: TaskCommand): Promise<string> {
    const { deps } = this;
    if (await deps.streams.result(cmd.allocId)) return 'already ended';
    const existing = (await deps.host.list('task')).find((c) => c.labels[LABEL.id] === cmd.allocId);
    if (existing) {
      this.follow(this.fromLabels(existing));
      return 'adopted';
    }
    const fail = (reason: string) => deps.streams.end(cmd.allocId, { outcome: 'error', exitCode: null, reason, hostId: deps.hostId, startedAt: null, finishedAt: Date.now() });
    try {
      await deps.images.ensure(cmd.spec.image);
    } catch (err) {
      await fail(`could not get the image: ${(err as Error).message}`);
      return 'no image';
    }
    const startedAt = Date.now();
    const deadline = startedAt + cmd.timeoutMs;
    let containerId: string;
    try {
      const labels = { ...cmd.spec.labels, [LABEL.id]: cmd.allocId, [LABEL.process]: cmd.process, [LABEL.source]: cmd.logSource, [LABEL.deadline]: String(deadline), [LABEL.started]: String(startedAt) };
      containerId = (await deps.host.startTask({ ...cmd.spec, labels })).containerId;
    } catch (err) {
      await fail(`the container could not start: ${(err as Error).message}`);
      return 'could not start';
    }
    await deps.streams.started(cmd.allocId, deps.hostId, startedAt);
    this.follow({ taskId: cmd.allocId, appId: cmd.appId, process: cmd.process, source: cmd.logSource, containerId, startedAt, deadline, since: startedAt - 1000 });
    return 'started';
  }

  /** Follows task containers this agent does not (after a restart of the agent). */
  async adopt(): Promise<void> {
    for (const c of await this.deps.host.list('task')) {
      const id = c.labels[LABEL.id];
      if (!id || this.running.has(id) || this.starting.has(id)) continue;
      this.deps.log.info(`following task ${c.name} again`);
      this.follow(this.fromLabels(c));
    }
  }

  private fromLabels(c: HostContainer): Running {
    return {
      taskId: c.labels[LABEL.id]!,
      appId: c.labels['gantry.app.id'] ?? '',
      process: c.labels[LABEL.process] ?? 'task',
      source: (c.labels[LABEL.source] as LogSource) ?? 'gantry',
      containerId: c.containerId,
      startedAt: Number(c.labels[LABEL.started]) || c.createdAt,
      deadline: Number(c.labels[LABEL.deadline]) || c.createdAt + 30 * 60_000,
      since: Date.now(),
    };
  }

  private follow(t: Running): void {
    this.running.set(t.taskId, t);
    void this.watch(t)
      .catch((err: Error) => this.deps.log.warn(`task ${t.process} (${t.taskId}): ${err.message}`))
      .finally(() => this.running.delete(t.taskId));
  }

  private async watch(t: Running): Promise<void> {
    const { deps } = this;
    // Lines go out in small batches: to the task's stream (its waiters) and the app's log.
    let batch: string[] = [];
    let flushing: Promise<void> = Promise.resolve();
    const flush = () => {
      const lines = batch;
      batch = [];
      if (lines.length === 0) return flushing;
      flushing = flushing.then(async () => {
        await deps.streams.lines(t.taskId, lines).catch(() => {});
        await deps.logs.appendLines(t.appId, t.source, t.process, lines).catch(() => {});
      });
      return flushing;
    };
    const ticker = setInterval(() => void flush(), 200);
    let timedOut = false;
    const left = t.deadline - Date.now();
    const killer = setTimeout(() => {
      timedOut = true;
      void deps.host.kill(t.containerId).catch(() => {});
    }, Math.max(0, left));
    let exitCode: number | null = null;
    try {
      const following = deps.host.follow(t.containerId, t.since, (line) => batch.push(line)).catch(() => {});
      exitCode = await deps.host.wait(t.containerId).catch(() => null);
      await following;
    } finally {
      clearTimeout(killer);
      clearInterval(ticker);
      await flush();
    }
    const minutes = Math.round((t.deadline - t.startedAt) / 60_000);
    const result: TaskResult = timedOut
      ? { outcome: 'timeout', exitCode: null, reason: `timed out after ${minutes >= 1 ? `${minutes} min` : `${Math.round((t.deadline - t.startedAt) / 1000)} s`} and was stopped`, hostId: deps.hostId, startedAt: t.startedAt, finishedAt: Date.now() }
      : exitCode === null
        ? { outcome: 'error', exitCode: null, reason: 'its container vanished before it exited', hostId: deps.hostId, startedAt: t.startedAt, finishedAt: Date.now() }
        : { outcome: exitCode === 0 ? 'succeeded' : 'failed', exitCode, reason: `exit code ${exitCode}`, hostId: deps.hostId, startedAt: t.startedAt, finishedAt: Date.now() };
    await deps.streams.end(t.taskId, result);
    await deps.host.kill(t.containerId).catch(() => {});
  }
}
