import { Queue, Worker, type Job, type WorkerOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { queuePrefix } from '@gantry/live';
import { jobs, type JobData, type JobName } from './definitions';

/** Producer side: one BullMQ queue per job kind, sharing one Redis connection. */
export class JobQueues {
  private readonly queues = new Map<JobName, Queue>();

  constructor(
    private readonly connection: Redis,
    private readonly instance: string,
  ) {}

  private queue(name: JobName): Queue {
    let q = this.queues.get(name);
    if (!q) {
      q = new Queue(jobs[name].queue, { connection: this.connection, prefix: queuePrefix(this.instance) });
      this.queues.set(name, q);
    }
    return q;
  }

  /** Validates the payload and enqueues it; `jobId` deduplicates (one job per id). */
  async add<N extends JobName>(name: N, data: JobData<N>, opts: { jobId?: string } = {}): Promise<string> {
    const payload = jobs[name].schema.parse(data);
    const job = await this.queue(name).add(name, payload, { ...jobs[name].options, ...opts });
    return job.id!;
  }

  /** The job's state and failure reason, for callers that follow a job they enqueued. */
  async state(name: JobName, jobId: string): Promise<{ state: string; failedReason?: string } | null> {
    const job = await this.queue(name).getJob(jobId);
    if (!job) return null;
    return { state: await job.getState(), failedReason: job.failedReason };
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
  }
}

export interface WorkerHandlers<N extends JobName> {
  process: (data: JobData<N>, job: Job) => Promise<unknown>;
  /** Called once a job has failed for good (after its retries). */
  onFailed?: (data: JobData<N>, err: Error, job: Job) => Promise<void> | void;
}

/** Consumer side: a worker for one job kind, validating payloads before processing. */
export function startWorker<N extends JobName>(
  name: N,
  connection: Redis,
  instance: string,
  handlers: WorkerHandlers<N>,
  opts: Partial<WorkerOptions> = {},
): Worker {
  const def = jobs[name];
  const worker = new Worker(
    def.queue,
    async (job) => handlers.process(def.schema.parse(job.data) as JobData<N>, job),
    { connection, prefix: queuePrefix(instance), ...opts },
  );
  worker.on('failed', (job, err) => {
    if (!job || !handlers.onFailed) return;
    const final = job.attemptsMade >= (job.opts.attempts ?? 1);
    if (final) void Promise.resolve(handlers.onFailed(def.schema.parse(job.data) as JobData<N>, err, job)).catch(() => {});
  });
  return worker;
}
