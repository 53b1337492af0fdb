import type { Redis } from 'ioredis';
import type { BuildOutput } from '@gantry/live';

export interface RelayDeps {
  output: BuildOutput;
  /** A dedicated connection: the reads block. */
  conn: Redis;
  /** State of the build job, to notice a job that failed without writing its end. */
  jobState: () => Promise<{ state: string; failedReason?: string } | null>;
}

export interface RelayOptions {
  /** Give up (and say so) after this long without an end. */
  deadlineMs: number;
  /** Tell the pusher we are still waiting when nothing happened for this long. */
  quietNoticeMs?: number;
  isClosed: () => boolean;
}

export type Outcome = { ok: boolean; message: string };

/**
 * Streams one build's output to `emit` until its end entry, and returns the outcome. Never
 * hangs: a job that failed for good, or a deadline, ends the relay with a clear message.
 */
export async function relayBuild(deps: RelayDeps, buildId: string, emit: (line: string) => void, opts: RelayOptions): Promise<Outcome> {
  const deadline = Date.now() + opts.deadlineMs;
  const quiet = opts.quietNoticeMs ?? 20_000;
  let after = '0';
  let lastActivity = Date.now();
  let lastJobCheck = 0;
  while (!opts.isClosed()) {
    const { entries, lastId } = await deps.output.read(deps.conn, buildId, after, 1000);
    after = lastId;
    for (const e of entries) {
      lastActivity = Date.now();
      if (e.kind === 'end') return { ok: e.ok, message: e.message };
      emit(e.text);
    }
    const now = Date.now();
    if (now > deadline) return { ok: false, message: 'Timed out waiting for the build and deploy to finish; check `gantry releases`.' };
    if (now - lastJobCheck > 3000) {
      lastJobCheck = now;
      const job = await deps.jobState();
      if (job?.state === 'failed') {
        // The job failed for good (e.g. its builder died twice) without reporting an end.
        const tail = await deps.output.read(deps.conn, buildId, after, 1);
        for (const e of tail.entries) if (e.kind === 'end') return { ok: e.ok, message: e.message };
        return { ok: false, message: `Build failed: ${job.failedReason ?? 'the builder stopped unexpectedly'}` };
      }
      if (now - lastActivity > quiet) {
        lastActivity = now;
        emit(job?.state === 'waiting' || job?.state === 'delayed' ? '       Waiting for a builder to take the build...' : '       Still working...');
      }
    }
  }
  return { ok: false, message: 'The pushing client went away; the build continues: see `gantry releases`.' };
}
