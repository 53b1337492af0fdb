/**
 * Commands from the scheduler to one host's agent: a BullMQ queue per host ("agent-<hostId>").
 * Each command carries the epoch of the leader that sent it; agents refuse commands of an epoch
 * older than the current one, so a deposed leader cannot act.
 */
import { Queue, Worker, type Job, type WorkerOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { queuePrefix } from '@gantry/live';

export const agentQueueName = (hostId: string) => `agent-${hostId}`;

const check = z.object({
  kind: z.enum(['tcp', 'http']),
  path: z.string().optional(),
  timeoutMs: z.number(),
  intervalMs: z.number(),
  initialDelayMs: z.number(),
  attempts: z.number().optional(),
});
const liveness = z.object({ kind: z.enum(['tcp', 'http']), path: z.string().optional(), intervalMs: z.number(), timeoutMs: z.number(), failures: z.number() });

/** A container to run, as data (@gantry/scheduler-core instanceSpec, oneOffSpec, taskSpec). */
const containerSpec = z.object({
  name: z.string(),
  image: z.string(),
  cmd: z.array(z.string()).optional(),
  env: z.record(z.string(), z.string()),
  labels: z.record(z.string(), z.string()),
  memoryBytes: z.number(),
  cpuShares: z.number(),
  exposesPort: z.boolean(),
  /** The team's private network: the agent attaches the container with a static address in it. */
  network: z.object({ name: z.string(), subnet: z.string() }).optional(),
  /** The scratch volume shared with its sidecars, mounted at /scratch (instances with sidecars only). */
  scratch: z.string().optional(),
  /** Named volumes of the host mounted into it: the agent stops any other container using one first. */
  mounts: z.array(z.object({ source: z.string(), target: z.string() })).optional(),
});

/** A helper container beside an instance (@gantry/scheduler-core withSidecars). */
const sidecarSpec = z.object({
  sidecar: z.string(),
  name: z.string(),
  image: z.string(),
  cmd: z.array(z.string()),
  env: z.record(z.string(), z.string()),
  labels: z.record(z.string(), z.string()),
  memoryBytes: z.number(),
  cpuShares: z.number(),
});

export const startCommand = z.object({
  kind: z.literal('start'),
  epoch: z.number().int(),
  allocId: z.string(),
  appId: z.string(),
  appName: z.string(),
  process: z.string(),
  spec: containerSpec,
  /** Its sidecars, started by the agent right after it (none when absent). */
  sidecars: z.array(sidecarSpec).optional(),
  startup: check,
  liveness: liveness.nullable(),
  hostHeader: z.string(),
  bootTimeoutMs: z.number(),
});

export const stopCommand = z.object({
  kind: z.literal('stop'),
  epoch: z.number().int(),
  allocId: z.string(),
  appId: z.string(),
  timeoutMs: z.number(),
  reason: z.string(),
});

/**
 * Run a container to completion (release phase, app.json scripts, cron runs): output and result
 * go to the task's stream (@gantry/live TaskStreams) and to the app's log under `logSource`.
 * `allocId` is the task id. Tasks are not fenced by epoch: a task id runs once whoever sends it.
 */
export const taskCommand = z.object({
  kind: z.literal('task'),
  epoch: z.number().int(),
  allocId: z.string(),
  appId: z.string(),
  appName: z.string(),
  process: z.string(),
  logSource: z.enum(['release', 'cron', 'gantry']),
  spec: containerSpec,
  timeoutMs: z.number().int().positive(),
});

export const agentCommand = z.discriminatedUnion('kind', [startCommand, stopCommand, taskCommand]);
export type AgentCommand = z.infer<typeof agentCommand>;
export type StartCommand = z.infer<typeof startCommand>;
export type StopCommand = z.infer<typeof stopCommand>;
export type TaskCommand = z.infer<typeof taskCommand>;
export type SidecarCommandSpec = z.infer<typeof sidecarSpec>;

/** Scheduler side: sends commands to hosts. */
export class AgentCommands {
  private readonly queues = new Map<string, Queue>();

  constructor(
    private readonly connection: Redis,
    private readonly instance: string,
  ) {}

  async send(hostId: string, cmd: AgentCommand): Promise<void> {
    let q = this.queues.get(hostId);
    if (!q) {
      q = new Queue(agentQueueName(hostId), { connection: this.connection, prefix: queuePrefix(this.instance) });
      this.queues.set(hostId, q);
    }
    // One job per allocation and kind: sending again while it is queued or done changes nothing.
    await q.add(cmd.kind, agentCommand.parse(cmd), {
      jobId: `${cmd.allocId}-${cmd.kind}`,
      attempts: 3,
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: 1000,
      // A failed command must not block its id: the scheduler sends a stop again on its next pass
      // (a stop that failed three times would otherwise leave its allocation stuck forever).
      removeOnFail: true,
    });
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
  }
}

/** Agent side: processes its host's commands, validating each. */
export function startAgentWorker(
  connection: Redis,
  instance: string,
  hostId: string,
  handle: (cmd: AgentCommand, job: Job) => Promise<unknown>,
  opts: Partial<WorkerOptions> = {},
): Worker {
  return new Worker(agentQueueName(hostId), async (job) => handle(agentCommand.parse(job.data), job), {
    connection,
    prefix: queuePrefix(instance),
    concurrency: 8,
    ...opts,
  });
}
