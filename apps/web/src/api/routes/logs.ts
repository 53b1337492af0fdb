import { InvalidInput } from '@gantry/core';
import { appFor } from '@gantry/control';
import type { Router } from '../../http/router';
import { sendJson } from '../../http/respond';
import { actorFor } from '../auth';
import type { ApiDeps } from '../deps';
import { logLineView } from '../views';

const MAX_LINES = 5000;

export function logRoutes(r: Router<ApiDeps>): void {
  /**
   * Recent lines as JSON; with ?tail=1 the answer is NDJSON that keeps streaming new lines until
   * the client goes away.
   */
  r.add('GET', '/apps/:app/logs', async (deps, { req, res, params, query }) => {
    const actor = await actorFor(deps, req);
    const app = await appFor(deps.ctx, actor, params.app!, 'read');
    const lines = Number(query.get('lines') ?? 100);
    if (!Number.isInteger(lines) || lines < 0 || lines > MAX_LINES) throw new InvalidInput(`"lines" must be 0 to ${MAX_LINES}.`);
    const recent = await deps.logs.recent(app.id, lines);
    if (query.get('tail') !== '1') return sendJson(res, 200, recent.map(logLineView));

    res.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no' });
    for (const e of recent) res.write(JSON.stringify(logLineView(e)) + '\n');
    const conn = deps.blockingRedis();
    let closed = false;
    req.on('close', () => {
      closed = true;
      conn.disconnect();
    });
    let after = recent.at(-1)?.id ?? '$';
    if (after === '$') after = String(Date.now()) + '-0';
    try {
      while (!closed) {
        const entries = await deps.logs.readAfter(conn, app.id, after, 5000);
        for (const e of entries) {
          res.write(JSON.stringify(logLineView(e)) + '\n');
          after = e.id;
        }
        if (entries.length === 0) res.write('\n'); // keep-alive; clients skip blank lines
      }
    } catch (err) {
      if (!closed) deps.log(`log tail of ${app.name} ended: ${(err as Error).message}`);
    } finally {
      conn.disconnect();
      res.end();
    }
  });
}
