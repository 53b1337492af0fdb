/**
 * Scheduled jobs of an app (control/cron.ts):
 *   GET    /apps/:app/cron            jobs with their next run and last run
 *   POST   /apps/:app/cron            { "schedule": "*\/10 * * * *", "command": "node jobs/cleanup.js" }
 *   DELETE /apps/:app/cron/:id        a job added with cron:add (app.json jobs: change app.json)
 *   GET    /apps/:app/cron/runs       runs, newest due time first (?job=ID&limit=50)
 */
import type { CronJobView, CronRunView } from '@gantry/api-client';
import { InvalidInput } from '@gantry/core';
import { addCron, listCron, listCronRuns, removeCron, type CronJobInfo } from '@gantry/control';
import type { CronRun } from '@gantry/db';
import { z } from 'zod';
import type { Router } from '../../http/router';
import { readJson } from '../../http/body';
import { sendJson } from '../../http/respond';
import { actorFor } from '../auth';
import type { ApiDeps } from '../deps';

/** The body of POST /apps/:app/cron (as in openapi.yaml). */
export const AddCronBody = z.object({ schedule: z.string().max(200), command: z.string().max(4096) }).strict();

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function cronRunView(r: CronRun): CronRunView {
  return {
    id: r.id,
    jobId: r.jobId,
    dueAt: r.dueAt.toISOString(),
    status: r.status as CronRunView['status'],
    releaseVersion: r.releaseVersion,
    startedAt: iso(r.startedAt),
    finishedAt: iso(r.finishedAt),
    durationMs: r.startedAt && r.finishedAt ? r.finishedAt.getTime() - r.startedAt.getTime() : null,
    exitCode: r.exitCode,
    reason: r.reason,
  };
}

export function cronJobView({ job, nextRunAt, lastRun }: CronJobInfo): CronJobView {
  return {
    id: job.id,
    schedule: job.schedule,
    command: job.command,
    source: job.source as CronJobView['source'],
    createdAt: job.createdAt.toISOString(),
    nextRunAt: iso(nextRunAt),
    lastRun: lastRun ? cronRunView(lastRun) : null,
  };
}

export function cronRoutes(r: Router<ApiDeps>): void {
  r.add('GET', '/apps/:app/cron', async (deps, { req, res, params }) => {
    const actor = await actorFor(deps, req);
    sendJson(res, 200, (await listCron(deps.ctx, actor, params.app!)).jobs.map(cronJobView));
  });

  r.add('POST', '/apps/:app/cron', async (deps, { req, res, params }) => {
    const actor = await actorFor(deps, req);
    const body = AddCronBody.safeParse(await readJson(req, deps.config.GANTRY_MAX_API_BODY));
    if (!body.success) throw new InvalidInput('Send { "schedule": "*/10 * * * *", "command": "node jobs/cleanup.js" } (strings; the schedule at most 200 characters, the command 4096).');
    sendJson(res, 201, cronJobView(await addCron(deps.ctx, actor, params.app!, body.data)));
  });

  r.add('GET', '/apps/:app/cron/runs', async (deps, { req, res, params, query }) => {
    const actor = await actorFor(deps, req);
    const limitText = query.get('limit');
    const limit = limitText === null ? undefined : Number(limitText);
    const job = query.get('job') ?? undefined;
    sendJson(res, 200, (await listCronRuns(deps.ctx, actor, params.app!, { ...(job ? { jobId: job } : {}), ...(limit !== undefined ? { limit } : {}) })).runs.map(cronRunView));
  });

  r.add('DELETE', '/apps/:app/cron/:id', async (deps, { req, res, params }) => {
    const actor = await actorFor(deps, req);
    await removeCron(deps.ctx, actor, params.app!, params.id!);
    res.writeHead(204).end();
  });
}
