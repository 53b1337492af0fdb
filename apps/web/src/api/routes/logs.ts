import { InvalidInput } from '@gantry/core';
import { appFor } from '@gantry/control';
import { LOG_SOURCES, connectionLost, matchesLogFilter, type LogFilter, type LogSource } from '@gantry/live';
import type { Router } from '../../http/router';
import { sendJson } from '../../http/respond';
import { accessRecheck } from '../access-recheck';
import { actorFor } from '../auth';
import type { ApiDeps } from '../deps';
import { logLineView } from '../views';

const MAX_LINES = 5000;
/** web, web.2, or a sidecar of an instance: web.2/metrics. */
const PROCESS = /^[a-z][a-z0-9_-]{0,62}(\.\d{1,5}(\/[a-z][a-z0-9-]{0,29})?)?$/;
const STREAM_ID = /^\d{1,15}-\d{1,10}$/;

/** ?source=app|build|gantry|router and ?ps=web or web.2, validated. */
export function parseLogFilter(query: URLSearchParams): LogFilter {
  const filter: LogFilter = {};
  const source = query.get('source');
  if (source !== null) {
    if (!LOG_SOURCES.includes(source as LogSource)) throw new InvalidInput(`"source" must be one of ${LOG_SOURCES.join(', ')}.`);
    filter.source = source as LogSource;
  }
  const ps = query.get('ps');
  if (ps !== null) {
    if (!PROCESS.test(ps)) throw new InvalidInput('"ps" must be a process type (web), a process (web.2) or a sidecar of one (web.2/metrics).');
    filter.process = ps;
  }
  return filter;
}

export function logRoutes(r: Router<ApiDeps>): void {
  /**
   * Recent lines as JSON; with ?tail=1 the answer is NDJSON that keeps streaming new lines until
   * the client goes away. ?after=<line id> (with tail) resumes a tail that was cut: the lines after
   * that one, and no recent ones. ?source= and ?ps= filter both.
   */
  r.add('GET', '/apps/:app/logs', async (deps, { req, res, params, query }) => {
    const actor = await actorFor(deps, req);
    const app = await appFor(deps.ctx, actor, params.app!, 'read');
    const lines = Number(query.get('lines') ?? 100);
    if (!Number.isInteger(lines) || lines < 0 || lines > MAX_LINES) throw new InvalidInput(`"lines" must be 0 to ${MAX_LINES}.`);
    const filter = parseLogFilter(query);
    const resumeFrom = query.get('after');
    if (resumeFrom !== null && !STREAM_ID.test(resumeFrom)) throw new InvalidInput('"after" must be a log line id.');
    const tail = query.get('tail') === '1';
    const recent = resumeFrom !== null && tail ? [] : await deps.logs.recentMatching(app.id, lines, filter);
    if (!tail) return sendJson(res, 200, recent.map(logLineView));
    // A resumed tail has read nothing yet: make sure Redis answers (503 if not) before the 200.
    if (recent.length === 0) await deps.redis.ping();

    res.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no' });
    res.flushHeaders();
    for (const e of recent) res.write(JSON.stringify(logLineView(e)) + '\n');
    const conn = deps.blockingRedis();
    let closed = false;
    req.on('close', () => {
      closed = true;
      conn.disconnect();
    });
    // Redis lost: end the stream instead of going silent (the blocked read would wait for Redis
    // to come back). The CLI reconnects, hears 503 "cannot reach Redis" until it is back, and
    // resumes after its last line.
    const lost = connectionLost(conn);
    // Without a line to start after: from now (the newest id, or this millisecond).
    let after = resumeFrom ?? recent.at(-1)?.id ?? (await deps.logs.recent(app.id, 1)).at(-1)?.id ?? `${Date.now()}-0`;
    const stillAllowed = accessRecheck(deps, req, app.teamId);
    try {
      while (!closed) {
        if (!(await stillAllowed())) break; // token revoked, or removed from the team
        const entries = await Promise.race([deps.logs.readAfter(conn, app.id, after, 5000), lost]);
        let out = '';
        for (const e of entries) {
          after = e.id;
          if (matchesLogFilter(e, filter)) out += JSON.stringify(logLineView(e)) + '\n';
        }
        // A blank line keeps the connection alive; clients skip blank lines.
        res.write(out === '' ? '\n' : out);
      }
    } catch (err) {
      if (!closed) deps.log(`log tail of ${app.name} ended: ${(err as Error).message}`);
    } finally {
      closed = true;
      conn.disconnect();
      res.end();
    }
  });
}
