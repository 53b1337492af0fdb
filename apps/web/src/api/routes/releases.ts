import { InvalidInput, phaseHeading, phaseTaskId, releasePhaseSteps, type ReleaseManifest } from '@gantry/core';
import { getRelease, listReleases, rollback, setReleaseTimeout } from '@gantry/control';
import { TaskStreams } from '@gantry/live';
import type { Release } from '@gantry/db';
import type { Router } from '../../http/router';
import { readJson } from '../../http/body';
import { sendJson } from '../../http/respond';
import { actorFor } from '../auth';
import type { ApiDeps } from '../deps';
import { releaseView } from '../views';

function versionParam(v: string | undefined): number {
  const n = Number(String(v ?? '').replace(/^v/i, ''));
  if (!Number.isInteger(n) || n < 1) throw new InvalidInput(`Invalid release version ${JSON.stringify(v)}: use a number like 3 or v3.`);
  return n;
}

/** Release views with the commit of their build and the email of who made them. */
async function views(deps: ApiDeps, releases: Release[], currentReleaseId: string | null) {
  const buildIds = [...new Set(releases.map((r) => r.buildId).filter((x): x is string => Boolean(x)))];
  const userIds = [...new Set(releases.map((r) => r.userId).filter((x): x is string => Boolean(x)))];
  const [builds, users] = await Promise.all([
    deps.ctx.db.build.findMany({ where: { id: { in: buildIds } }, select: { id: true, number: true, commitSha: true } }),
    deps.ctx.db.user.findMany({ where: { id: { in: userIds } }, select: { id: true, email: true } }),
  ]);
  const b = new Map(builds.map((x) => [x.id, x]));
  const u = new Map(users.map((x) => [x.id, x.email]));
  return releases.map((r) => releaseView(r, currentReleaseId, r.buildId ? b.get(r.buildId) : null, r.userId ? u.get(r.userId) : null));
}

export function releaseRoutes(r: Router<ApiDeps>): void {
  r.add('GET', '/apps/:app/releases', async (deps, { req, res, params }) => {
    const actor = await actorFor(deps, req);
    const { app, releases } = await listReleases(deps.ctx, actor, params.app!);
    sendJson(res, 200, await views(deps, releases, app.currentReleaseId));
  });

  r.add('GET', '/apps/:app/releases/:version', async (deps, { req, res, params }) => {
    const actor = await actorFor(deps, req);
    const { app, release } = await getRelease(deps.ctx, actor, params.app!, versionParam(params.version));
    sendJson(res, 200, (await views(deps, [release], app.currentReleaseId))[0]);
  });

  /** The release phase's output: kept on the release when it ended, else live from its task streams. */
  r.add('GET', '/apps/:app/releases/:version/output', async (deps, { req, res, params, query }) => {
    const actor = await actorFor(deps, req);
    const { release } = await getRelease(deps.ctx, actor, params.app!, versionParam(params.version));
    const after = Number(query.get('after') ?? 0);
    if (!Number.isInteger(after) || after < 0) throw new InvalidInput('"after" must be a number of lines (0 or more).');
    let lines: string[];
    const running = release.status === 'releasing';
    if (release.phaseOutput !== null && !running) lines = release.phaseOutput.split('\n');
    else {
      // Live: the same lines as the kept output will have, from the steps' task streams.
      const streams = new TaskStreams(deps.redis, deps.keys);
      lines = [];
      for (const step of releasePhaseSteps(release.processTypes as Record<string, string>, release.manifest as ReleaseManifest)) {
        const got = await streams.output(phaseTaskId(step.step, release.id));
        // A step's heading shows once it runs: it has output, or it is the first and the phase runs.
        if (got.length === 0 && !(running && lines.length === 0)) break;
        lines.push(phaseHeading(step), ...got);
      }
    }
    sendJson(res, 200, { version: release.version, status: release.status, lines: lines.slice(after), next: Math.max(after, lines.length), running });
  });

  /** Body: { "seconds": 1..86400 }. */
  r.add('PUT', '/apps/:app/release-timeout', async (deps, { req, res, params }) => {
    const actor = await actorFor(deps, req);
    const b = await readJson(req, deps.config.GANTRY_MAX_API_BODY);
    if (typeof b.seconds !== 'number') throw new InvalidInput('Send { "seconds": <1..86400> }.');
    const app = await setReleaseTimeout(deps.ctx, actor, params.app!, b.seconds);
    sendJson(res, 200, { seconds: app.releaseTimeout });
  });

  r.add('POST', '/apps/:app/releases/:version/rollback', async (deps, { req, res, params }) => {
    const actor = await actorFor(deps, req);
    const release = await rollback(deps.ctx, actor, params.app!, versionParam(params.version));
    const app = await deps.ctx.db.app.findUniqueOrThrow({ where: { id: release.appId } });
    sendJson(res, 201, (await views(deps, [release], app.currentReleaseId))[0]);
  });
}
