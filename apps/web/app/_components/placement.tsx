'use client';
import type { ExplainView } from '@gantry/api-client';
import type { PlacementReport } from '@gantry/scheduler-core';
import { appPath } from '../_lib/api';
import { usePoll } from '../_lib/hooks';
import { ErrorBox, Loading } from './session';

/**
 * Why an instance runs where it runs, or why it could not be placed (GET /apps/:app/ps/:process/explain,
 * as `gantry ps:explain`): every host a filter rejected with its reason, and every ranked host
 * with each ranker's score and the total, the chosen one first. `compact` (a host card of the
 * cluster view) leaves out the Filters column: a ranked host passed every filter.
 */
export function PlacementExplain({ app, process, compact = false }: { app: string; process: string; compact?: boolean }) {
  const explain = usePoll<ExplainView>(appPath(app, `/ps/${encodeURIComponent(process)}/explain`), 15_000);
  const e = explain.data;
  if (explain.error) return <ErrorBox error={explain.error} />;
  if (!e) return <Loading rows={2} />;
  const report = e.report as PlacementReport;
  const rankers = [...new Set(report.top.flatMap((s) => Object.keys(s.scores)))];
  // formatReport's closing notes on hosts left out of a large cluster's report ("... 3 more rejected").
  const more = e.lines.filter((l) => l.trimStart().startsWith('...')).map((l) => l.trim().slice(3).trim());
  return (
    <div className="stack explain" data-testid={`explain-${process}`} data-placed={e.placed ? '1' : '0'}>
      <div className={e.placed ? '' : 'bad'}>
        <b>{e.lines[0]}</b> <span className="muted">· {report.evaluated} host{report.evaluated === 1 ? '' : 's'} evaluated</span>
      </div>
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th>Host</th>
              {compact ? null : <th>Filters</th>}
              {rankers.map((r) => (
                <th key={r} className="num">
                  {r}
                </th>
              ))}
              <th className="num">Total</th>
            </tr>
          </thead>
          <tbody>
            {report.top.map((s, i) => {
              const chosen = i === 0 && report.chosen !== null;
              return (
                <tr key={`top-${s.host}`} data-explain-host={s.host} data-chosen={chosen ? '1' : '0'}>
                  <td className="mono">
                    {s.host} {chosen ? <span className="badge ok">chosen</span> : null}
                  </td>
                  {compact ? null : <td className="ok">passed</td>}
                  {rankers.map((r) => (
                    <td key={r} className="num">
                      {s.scores[r] === undefined ? '–' : s.scores[r].toFixed(2)}
                    </td>
                  ))}
                  <td className="num">
                    <b>{s.total.toFixed(2)}</b>
                  </td>
                </tr>
              );
            })}
            {report.rejections.map((r) => (
              <tr key={`rej-${r.host}-${r.filter}`} data-explain-host={r.host} data-rejected-by={r.filter}>
                <td className="mono">{r.host}</td>
                <td colSpan={rankers.length + (compact ? 1 : 2)}>
                  <span className="bad">rejected by {r.filter}</span>: {r.reason}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {more.length ? <div className="muted">{more.join('; ')}</div> : null}
    </div>
  );
}
