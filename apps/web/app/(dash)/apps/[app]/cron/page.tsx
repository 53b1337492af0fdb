'use client';
import type { CronJobView, CronRunView } from '@gantry/api-client';
import { Badge, ErrorBox, Loading } from '../../../../_components/session';
import { appPath } from '../../../../_lib/api';
import { ago } from '../../../../_lib/format';
import { usePoll } from '../../../../_lib/hooks';
import { useApp } from '../app-context';

/** "2026-12-04 21:40:00 UTC": schedules are in UTC, so their times are shown in UTC. */
const utc = (iso: string | null) => (iso ? `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC` : '–');

function took(r: CronRunView): string {
  if (r.durationMs === null) return '–';
  return r.durationMs < 1000 ? `${r.durationMs} ms` : `${(r.durationMs / 1000).toFixed(1)} s`;
}

/** Scheduled jobs (cron:add and app.json "cron") with their next run, and the latest runs. */
export default function CronPage() {
  const { name } = useApp();
  const jobs = usePoll<CronJobView[]>(appPath(name, '/cron'), 3000);
  const runs = usePoll<CronRunView[]>(appPath(name, '/cron/runs?limit=50'), 3000);
  const commandOf = new Map((jobs.data ?? []).map((j) => [j.id, j.command]));
  return (
    <div className="stack">
      <section className="card flush">
        <h2>Scheduled jobs</h2>
        <div style={{ padding: '0 20px' }}>
          <ErrorBox error={jobs.error} />
        </div>
        {jobs.loading && !jobs.data ? (
          <div style={{ padding: 16 }}>
            <Loading />
          </div>
        ) : jobs.data?.length === 0 ? (
          <div className="empty">
            No scheduled jobs. Add one with <span className="mono">gantry cron:add &quot;*/10 * * * *&quot; -- node jobs/cleanup.js</span> or in app.json &quot;cron&quot;.
          </div>
        ) : (
          <div className="table-wrap">
            <table data-testid="cron-jobs">
              <thead>
                <tr>
                  <th>Schedule (UTC)</th>
                  <th>Command</th>
                  <th className="hide-sm">Source</th>
                  <th>Next run</th>
                  <th>Last run</th>
                </tr>
              </thead>
              <tbody>
                {(jobs.data ?? []).map((j) => (
                  <tr key={j.id} data-job={j.id}>
                    <td className="mono">{j.schedule}</td>
                    <td className="mono" style={{ wordBreak: 'break-all' }}>
                      {j.command}
                    </td>
                    <td className="muted hide-sm">{j.source}</td>
                    <td>{utc(j.nextRunAt)}</td>
                    <td>
                      {j.lastRun ? (
                        <>
                          <Badge state={j.lastRun.status} />{' '}
                          <span className="muted">
                            {j.lastRun.exitCode !== null ? `exit ${j.lastRun.exitCode} · ` : ''}
                            {ago(j.lastRun.dueAt)}
                          </span>
                        </>
                      ) : (
                        <span className="muted">never run</span>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section className="card flush">
        <h2>Latest runs</h2>
        <div style={{ padding: '0 20px' }}>
          <ErrorBox error={runs.error} />
        </div>
        {runs.loading && !runs.data ? (
          <div style={{ padding: 16 }}>
            <Loading />
          </div>
        ) : runs.data?.length === 0 ? (
          <div className="empty">No runs yet.</div>
        ) : (
          <div className="table-wrap">
            <table data-testid="cron-runs">
              <thead>
                <tr>
                  <th>Due (UTC)</th>
                  <th>Command</th>
                  <th>Status</th>
                  <th className="num">Exit</th>
                  <th className="num">Duration</th>
                  <th className="num hide-sm">Release</th>
                  <th className="hide-sm">Why</th>
                </tr>
              </thead>
              <tbody>
                {(runs.data ?? []).map((r) => (
                  <tr key={r.id} data-status={r.status}>
                    <td>{utc(r.dueAt)}</td>
                    <td className="mono">{commandOf.get(r.jobId) ?? <span className="muted">removed job</span>}</td>
                    <td>
                      <Badge state={r.status} />
                    </td>
                    <td className="num">{r.exitCode ?? '–'}</td>
                    <td className="num">{took(r)}</td>
                    <td className="num hide-sm">{r.releaseVersion ? `v${r.releaseVersion}` : '–'}</td>
                    <td className="muted hide-sm">{r.reason ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}
