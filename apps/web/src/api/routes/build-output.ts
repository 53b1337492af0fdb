import { InvalidInput, NotFound } from '@gantry/core';
import { getBuild } from '@gantry/control';
import { BuildOutput, connectionLost, type BuildOutputEntry } from '@gantry/live';
import type { Router } from '../../http/router';
import { accessRecheck } from '../access-recheck';
import { actorFor } from '../auth';
import type { ApiDeps } from '../deps';

const FINISHED = new Set(['succeeded', 'failed']);
/** A finished build whose live output has no "end" entry after this long is not waited on. */
const GIVE_UP_AFTER_FINISH_MS = 10 * 60_000;

/** The stored log of a finished build, as the entries the live stream would have had. */
export function entriesFromStoredLog(b: { status: string; log: string | null; error: string | null }): BuildOutputEntry[] {
  const lines: BuildOutputEntry[] = (b.log ? b.log.split('\n') : []).map((text) => ({ kind: 'line', text }));
  return [...lines, { kind: 'end', ok: b.status === 'succeeded', message: b.error ?? (b.status === 'succeeded' ? 'Build succeeded' : 'Build failed') }];
}

export function buildOutputRoutes(r: Router<ApiDeps>): void {
  /**
   * A build's output as NDJSON entries ({ kind: "line", text } ... { kind: "end", ok, message }):
   * the live stream (build steps, then the deploy's progress) while it is kept in Redis (a day),
   * else the log stored with the build. With ?follow=1 the answer stays open until the "end"
   * entry, sending new lines as they come (blank lines keep the connection alive).
   */
  r.add('GET', '/apps/:app/builds/:number/output', async (deps, { req, res, params, query }) => {
    const actor = await actorFor(deps, req);
    const n = Number(params.number);
    if (!Number.isInteger(n) || n < 1) throw new InvalidInput(`Invalid build number ${JSON.stringify(params.number)}.`);
    const { app, build } = await getBuild(deps.ctx, actor, params.app!, n);
    if (!build) throw new NotFound('Build', String(n));
    const follow = query.get('follow') === '1';
    const key = deps.keys.buildLog(build.id);

    res.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no' });
    res.flushHeaders();
    const write = (entries: BuildOutputEntry[]) => entries.length > 0 && res.write(entries.map((e) => JSON.stringify(e)).join('\n') + '\n');

    if (FINISHED.has(build.status) && !(await deps.redis.exists(key))) {
      write(entriesFromStoredLog(build));
      return void res.end();
    }
    const output = new BuildOutput(deps.redis, deps.keys);
    const conn = deps.blockingRedis();
    let closed = false;
    req.on('close', () => {
      closed = true;
      conn.disconnect();
    });
    const lost = connectionLost(conn);
    let after = '0';
    const stillAllowed = accessRecheck(deps, req, app.teamId);
    try {
      while (!closed) {
        if (!(await stillAllowed())) break; // token revoked, or removed from the team
        // Redis lost: end the stream rather than wait silently for it (the client can follow again).
        const { entries, lastId } = await Promise.race([output.read(conn, build.id, after, follow ? 5000 : 1), lost]);
        after = lastId;
        const end = entries.findIndex((e) => e.kind === 'end');
        write(end >= 0 ? entries.slice(0, end + 1) : entries);
        if (end >= 0) break;
        if (entries.length > 0) continue;
        if (!follow) {
          // Not ended yet: say so, as the end of what there is.
          write([{ kind: 'end', ok: false, message: `Build is ${build.status}` }]);
          break;
        }
        const now = await deps.ctx.db.build.findUnique({ where: { id: build.id }, select: { status: true, finishedAt: true, log: true, error: true } });
        if (!now || (FINISHED.has(now.status) && !(await deps.redis.exists(key)))) {
          if (now && after === '0') write(entriesFromStoredLog(now));
          break;
        }
        if (now.finishedAt && Date.now() - now.finishedAt.getTime() > GIVE_UP_AFTER_FINISH_MS) break;
        res.write('\n');
      }
    } catch (err) {
      if (!closed) deps.log(`build output of ${params.app} #${n} ended: ${(err as Error).message}`);
    } finally {
      conn.disconnect();
      res.end();
    }
  });
}
