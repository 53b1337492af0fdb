/**
 * Every background job of Gantry, typed: queue, payload schema and retry defaults in one place.
 *
 *   git service --build--> builder --deploy--> scheduler
 *   api         --deploy--> scheduler           (config change, rollback)
 *   api         --cleanup--> scheduler          (app destroyed)
 *
 * A build that fails because of the app (bad code, failing npm install) is not a job failure: the
 * processor records it and completes. Job failures are infrastructure trouble (a worker died,
 * Docker unreachable) and are retried per these defaults, then reported by `onFailed`.
 */
import { z } from 'zod';

export const jobs = {
  build: {
    queue: 'builds',
    schema: z.object({ buildId: z.string().uuid() }),
    options: { attempts: 2, backoff: { type: 'fixed', delay: 1000 }, removeOnComplete: 500, removeOnFail: 500 },
  },
  deploy: {
    queue: 'deploys',
    schema: z.object({
      releaseId: z.string().uuid(),
      /** The push whose output this deploy continues (and ends). */
      notifyBuildId: z.string().uuid().optional(),
    }),
    options: { attempts: 3, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: 500, removeOnFail: 500 },
  },
  cleanup: {
    queue: 'maintenance',
    schema: z.object({ appId: z.string().uuid(), appName: z.string(), imageRepo: z.string() }),
    options: { attempts: 5, backoff: { type: 'exponential', delay: 2000 }, removeOnComplete: 100, removeOnFail: 500 },
  },
} as const;

export type JobName = keyof typeof jobs;
export type JobData<N extends JobName> = z.infer<(typeof jobs)[N]['schema']>;
